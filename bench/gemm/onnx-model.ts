// A one-node ONNX model (MatMul, or Gemm for transposed operands) serialised by hand: the
// protobuf needs only varints and length-delimited fields, so no protobuf library is involved.
// Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto, ...).

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function intField(field: number, value: number): number[] {
  return [...varint((field << 3) | WIRE_VARINT), ...varint(value)];
}

function bytesField(field: number, payload: number[] | string): number[] {
  const bytes = typeof payload === 'string' ? [...new TextEncoder().encode(payload)] : payload;
  return [...varint((field << 3) | WIRE_BYTES), ...varint(bytes.length), ...bytes];
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type: FLOAT, shape } } }. */
function tensorInfo(name: string, shape: readonly number[]): number[] {
  const dims = shape.flatMap((d) => bytesField(1, intField(1, d))); // TensorShapeProto.dim { dim_value }
  const tensorType = [...intField(1, FLOAT), ...bytesField(2, dims)];
  return [...bytesField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** AttributeProto { name, i, type: INT }. */
function intAttribute(name: string, value: number): number[] {
  return [...bytesField(1, name), ...intField(3, value), ...intField(20, ATTRIBUTE_INT)];
}

/**
 * The model Y = op(A)·op(B) with inputs A, B of the given stored shapes and output Y of `yShape` ([m, n] or [batch, m, n]):
 * MatMul when neither operand is transposed, else Gemm with transA/transB (opset 13, no C).
 */
export function gemmModel(aShape: readonly number[], bShape: readonly number[], yShape: readonly number[], transA: boolean, transB: boolean): Uint8Array {
  const plain = !transA && !transB;
  const node = [
    ...bytesField(1, 'A'),
    ...bytesField(1, 'B'),
    ...bytesField(2, 'Y'),
    ...bytesField(3, 'product'),
    ...bytesField(4, plain ? 'MatMul' : 'Gemm'),
    ...(plain ? [] : [...bytesField(5, intAttribute('transA', transA ? 1 : 0)), ...bytesField(5, intAttribute('transB', transB ? 1 : 0))]),
  ];
  const graph = [
    ...bytesField(1, node),
    ...bytesField(2, 'gemm'),
    ...bytesField(11, tensorInfo('A', aShape)),
    ...bytesField(11, tensorInfo('B', bShape)),
    ...bytesField(12, tensorInfo('Y', yShape)),
  ];
  const model = [
    ...intField(1, 8), // ir_version
    ...bytesField(2, 'shaderformer-bench'), // producer_name
    ...bytesField(7, graph),
    ...bytesField(8, [...bytesField(1, ''), ...intField(2, 13)]), // opset_import { domain "", version 13 }
  ];
  return new Uint8Array(model);
}
