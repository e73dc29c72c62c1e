#!/usr/bin/env python3
"""The same style-transfer iteration as nst, in PyTorch, for timing against it on the same machine.

Same weights (read from the Keras HDF5 file with h5py), same trunk (VGG19 up to the deepest layer,
3x3 convs, ReLU, 2x2 max pool), same layers, same losses (content 1/2*||F-P||^2, style
||G-A||^2/(2CM)^2, TV 1/2*sum of squared neighbour differences, with nst's default weights) and
L-BFGS without line search (torch.optim.LBFGS, history 100), one function evaluation per
iteration. Prints seconds per iteration (median over the timed iterations), timed after --warm-up
iterations: by default 101, which fill L-BFGS's history as from iteration 102 of a run on, like
nst's bench/iteration_bench.

  python3 bench/pytorch_reference.py --weights W.h5 --content C.jpg --style S.jpg --size 256 --threads 2
  python3 bench/pytorch_reference.py ... --size 512 --device cuda

With --losses it evaluates the objective once, in float64, at --init (an image of the content's
size; default the content image) and prints each weighted term (content, style per layer, tv) and
their total, one "name value" line each: the golden numbers nst's first evaluation is checked
against (tests/golden/README.md has the command that made them).

With --device cuda the images and weights live on the GPU, cuDNN picks its algorithms by timing them
(torch.backends.cudnn.benchmark), and each timed step ends with torch.cuda.synchronize(). PyTorch's
own defaults for TF32 are kept and printed: convolutions may use TF32 (cudnn.allow_tf32), matrix
products may not (cuda.matmul.allow_tf32).
"""
import argparse
import statistics
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
CONVS = ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv2",
         "block3_conv3", "block3_conv4", "block4_conv1", "block4_conv2", "block4_conv3", "block4_conv4",
         "block5_conv1"]
POOL_AFTER = {"block1_conv2", "block2_conv2", "block3_conv4", "block4_conv4"}
# The layers (conv indices, 0-based) of nst's defaults: for the partial weights file (up to
# block4_conv1) and for the full one (Gatys': content relu4_2; style relu1_1 ... relu5_1).
NETWORKS = {
    "partial": {"content": 8, "style": [0, 2, 4, 8], "names": ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]},
    "full": {"content": 9, "style": [0, 2, 4, 8, 12],
             "names": ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]},
}


def load_image(path, size):
    image = Image.open(path).convert("RGB")
    scale = size / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
    bgr = np.asarray(image, dtype=np.float32)[:, :, ::-1] - MEAN_BGR
    return torch.from_numpy(bgr.transpose(2, 0, 1).copy()).unsqueeze(0)


def load_weights(path, depth):
    with h5py.File(path, "r") as f:
        layers = []
        for name in CONVS[:depth]:
            names = [n.decode() if isinstance(n, bytes) else n for n in f[name].attrs["weight_names"]]
            kernel = np.asarray(f[name][names[0]]).transpose(3, 2, 0, 1)  # (kh,kw,in,out) -> (out,in,kh,kw)
            bias = np.asarray(f[name][names[1]])
            layers.append((name, torch.from_numpy(kernel.copy()), torch.from_numpy(bias.copy())))
    return layers


def trunk(x, layers, taps):
    out = {}
    for index, (name, w, b) in enumerate(layers):
        x = F.relu(F.conv2d(x, w, b, padding=1))
        out[index] = x
        if name in POOL_AFTER and index + 1 < len(layers):
            x = F.max_pool2d(x, 2)
    return [out[t] for t in taps]


def gram(f):
    c = f.shape[1]
    m = f.reshape(c, -1)
    return m @ m.t()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    p.add_argument("--content", required=True)
    p.add_argument("--style", required=True)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--warm-up", type=int, default=101)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--losses", action="store_true", help="print the losses of one float64 evaluation and exit")
    p.add_argument("--init", help="with --losses: the image to evaluate at (default: the content image)")
    p.add_argument("--network", choices=sorted(NETWORKS), default="partial",
                   help="nst's default layers for the partial weights file, or for the full one")
    p.add_argument("--history", type=int, default=100, help="L-BFGS history size")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    if a.device == "cuda":
        torch.backends.cudnn.benchmark = True

    network = NETWORKS[a.network]
    content_tap, style_taps, style_names = network["content"], network["style"], network["names"]
    taps = style_taps + ([] if content_tap in style_taps else [content_tap])  # the content's last
    dtype = torch.float64 if a.losses else torch.float32
    depth = max(taps) + 1
    layers = [(name, w.to(device, dtype), b.to(device, dtype)) for name, w, b in load_weights(a.weights, depth)]
    content = load_image(a.content, a.size).to(device, dtype)
    style = load_image(a.style, a.size).to(device, dtype)
    with torch.no_grad():
        target_content = trunk(content, layers, [content_tap])[0]
        style_features = trunk(style, layers, style_taps)
        content_features = trunk(content, layers, style_taps)
        targets = [gram(fs) * (fc.shape[2] * fc.shape[3]) / (fs.shape[2] * fs.shape[3])
                   for fs, fc in zip(style_features, content_features)]
    # nst's default weights (layers/loss_weights.h): content 5, style 100, tv 1e-3.
    alpha = 2 * 5.0 / target_content.numel()
    betas = [4 * 100.0 / t.shape[0] ** 2 for t in targets]

    def terms(x):
        """The weighted terms of J(x), by name."""
        feats = trunk(x, layers, taps)
        out = {"content": alpha * 0.5 * ((feats[taps.index(content_tap)] - target_content) ** 2).sum()}
        for name, f, t, beta in zip(style_names, feats, targets, betas):
            c, m = f.shape[1], f.shape[2] * f.shape[3]
            out["style_" + name] = beta * ((gram(f) - t) ** 2).sum() / (2 * c * m) ** 2
        tv = 0.5 * (((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum() + ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum())
        out["tv"] = 1e-3 * tv
        return out

    if a.losses:
        x = load_image(a.init, a.size).to(device, dtype) if a.init else content
        if x.shape != content.shape:
            raise SystemExit(f"--init is {tuple(x.shape)}, the content {tuple(content.shape)}")
        with torch.no_grad():
            values = {name: v.item() for name, v in terms(x).items()}
        values["total"] = sum(values.values())
        for name, v in values.items():
            print(f"{name} {v:.17g}")
        return

    x = content.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([x], lr=1, max_iter=1, history_size=a.history, tolerance_grad=-1, tolerance_change=-1)

    def closure():
        optimizer.zero_grad()
        loss = sum(terms(x).values())
        loss.backward()
        return loss

    def synchronize():
        if a.device == "cuda":
            torch.cuda.synchronize()

    times = []
    for i in range(a.warm_up + a.iterations):
        synchronize()
        start = time.perf_counter()
        loss = optimizer.step(closure)
        synchronize()
        if i >= a.warm_up:  # after the warm-up (and cuDNN's algorithm search)
            times.append(time.perf_counter() - start)
    if a.device == "cuda":
        where = (f"{torch.cuda.get_device_name()}, cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
                 f"matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}")
    else:
        where = f"{a.threads} threads"
    print(f"pytorch {torch.__version__}, {where}, {content.shape[3]}x{content.shape[2]}: "
          f"{statistics.median(times):.3f} s/iteration (median of {len(times)}), loss {loss.item():.4g}")


if __name__ == "__main__":
    main()
