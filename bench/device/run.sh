#!/bin/bash
# Runs on the GPU machine from the repository root (after bench/device/prepare.sh here): unpacks Node,
# Dawn and the Vulkan loader, then the bench; the log and rows.json go to $OUT (default /tmp).
OUT=${OUT:-/tmp}
cd .gpu || exit 1
xz -dc node.xz > /tmp/node && chmod +x /tmp/node
xz -dc node_modules/webgpu/dist/linux-x64/dawn.node.xz > node_modules/webgpu/dist/linux-x64/dawn.node
for f in *.deb; do dpkg -x $f /; done; ldconfig
nvidia-smi -L
/tmp/node bench.mjs > $OUT/log.txt 2>&1
rc=$?
if [ $rc -ne 0 ] && [ -z "${VK_DRIVER_FILES:-}" ]; then  # no adapter: point the loader at the NVIDIA ICD
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  /tmp/node bench.mjs > $OUT/log.txt 2>&1
  rc=$?
fi
tail -c 4000 $OUT/log.txt
exit $rc
