#!/bin/bash
# Prepares .gpu/ (git-ignored through .git/info/exclude) for a run on a GPU machine that has no Node,
# no npm and no network: Node (xz), Dawn's dawn.node (xz) with the webgpu package's loader, the Vulkan
# loader and glvnd packages, bench/device/gpu-bench.ts bundled with esbuild, and run.sh.
# Then, on the machine, from the repository root (carry .gpu):
#   VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json bash .gpu/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
mkdir -p .gpu/node_modules/webgpu/dist/linux-x64
xz -T2 -3 -c "$(command -v node)" > .gpu/node.xz
cp node_modules/webgpu/index.js node_modules/webgpu/package.json .gpu/node_modules/webgpu/
xz -T2 -3 -c node_modules/webgpu/dist/linux-x64/dawn.node > .gpu/node_modules/webgpu/dist/linux-x64/dawn.node.xz
(cd .gpu && apt-get download libvulkan1 libglvnd0 libegl1 libopengl0 libgl1 libglx0 libgles2)
node --input-type=module -e "
import { build } from 'esbuild';
await build({
  entryPoints: ['bench/device/gpu-bench.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20',
  outfile: '.gpu/bench.mjs', external: ['webgpu'], loader: { '.wgsl': 'text' },
  banner: { js: \"import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);\" },
});"
cp bench/device/run.sh .gpu/run.sh
du -sh .gpu
