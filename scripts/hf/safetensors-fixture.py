"""The Python side of shaderformer's safetensors tests (not run in CI: CI has only Node).

    python scripts/hf/safetensors-fixture.py make OUT_DIR
        Writes OUT_DIR/python-all-dtypes.safetensors with `safetensors.torch.save_file` (every dtype
        shaderformer reads: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL, plus a scalar and an empty tensor)
        and OUT_DIR/python-all-dtypes.expected.json: each tensor's dtype, shape and values as torch
        reads them (as float64; non-finite values and -0 as the strings "inf", "-inf", "nan", "-0").
        test/io/safetensors.test.ts reads the committed pair without Python.

    python scripts/hf/safetensors-fixture.py check FILE SOURCE_JSON
        Loads FILE (written by shaderformer's writeSafetensors) with `safetensors.torch.load_file` and
        compares every tensor with SOURCE_JSON ({name: {dtype, shape, values}}, the float32 values
        shaderformer wrote): F32 bit for bit, F16 equal to torch's own float32 -> float16 rounding.
        Also checks the header's __metadata__ against SOURCE_JSON's "__metadata__". Exits 1 on a mismatch.
"""

import json
import math
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def encode(value: float):
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0 and math.copysign(1.0, value) < 0:
        return "-0"
    return value


def make(out_dir: str) -> None:
    inf, nan = float("inf"), float("nan")
    tensors = {
        "f64": torch.tensor([1.5, -2.25, 1e300, 0.1, -1e-300], dtype=torch.float64),
        "f32": torch.tensor([[0.1, -0.2, 0.3], [1e-40, -3.5e38, 7.0]], dtype=torch.float32),
        "f16": torch.tensor([1.0, -2.0, 2.0**-24, 1023 * 2.0**-24, 65504.0, inf, -inf, nan, -0.0, 0.1], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -3.0, 3.140625, inf, 0.1, -1e-39], dtype=torch.bfloat16),
        "i64": torch.tensor([-5, 2**40, -(2**31), 2**31 - 1, 0], dtype=torch.int64),
        "i64_small": torch.tensor([[0, 1, 2], [-1, -2, 2**31 - 1]], dtype=torch.int64),
        "i32": torch.tensor([-7, 2**31 - 1, -(2**31)], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767, 300], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, -1], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True, True], dtype=torch.bool),
        "scalar": torch.tensor(-0.75, dtype=torch.float32),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
    }
    metadata = {"format": "pt", "made_by": "scripts/hf/safetensors-fixture.py"}
    path = os.path.join(out_dir, "python-all-dtypes.safetensors")
    save_file(tensors, path, metadata=metadata)
    expected = {"__metadata__": metadata, "versions": {"torch": torch.__version__, "safetensors": __import__("safetensors").__version__}}
    with safe_open(path, framework="pt") as f:
        for name in f.keys():
            t = f.get_tensor(name)
            values = [encode(float(v)) for v in t.flatten().to(torch.float64).tolist()]
            expected[name] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": values}
    with open(os.path.join(out_dir, "python-all-dtypes.expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


def check(path: str, source_json: str) -> int:
    with open(source_json, encoding="utf-8") as f:
        source = json.load(f)
    loaded = load_file(path)
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata() or {}
    bad = []
    if metadata != source.get("__metadata__", {}):
        bad.append(f"metadata {metadata} != {source.get('__metadata__')}")
    names = sorted(k for k in source if k != "__metadata__")
    if sorted(loaded) != names:
        bad.append(f"tensor names {sorted(loaded)} != {names}")
    for name in names:
        want = source[name]
        got = loaded.get(name)
        if got is None:
            continue
        base = torch.tensor(want["values"], dtype=torch.float32).reshape(want["shape"])
        dtype = {"F32": torch.float32, "F16": torch.float16}[want["dtype"]]
        if got.dtype != dtype or list(got.shape) != want["shape"]:
            bad.append(f"{name}: {got.dtype} {list(got.shape)} != {dtype} {want['shape']}")
        elif not torch.equal(got, base.to(dtype)):
            bad.append(f"{name}: values differ (max |d| {float((got.float() - base.to(dtype).float()).abs().max())})")
    for line in bad:
        print("MISMATCH", line)
    print(f"checked {len(names)} tensors from {path} with safetensors.torch.load_file: {'ok' if not bad else 'FAILED'}")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        print(__doc__)
        sys.exit(2)
