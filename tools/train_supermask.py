#!/usr/bin/env python3
"""Find edge-popup supermasks in supermask's seeded random networks on MNIST, and train the dense baseline.

A developer tool (needs torch; CI does not run it). The algorithm is the one of "What's Hidden in a Randomly
Weighted Neural Network?" (Ramanujan et al., CVPR 2020) as allenai/hidden-networks implements it
(utils/conv_type.py SubnetConv, models/frankle.py FC):

- every layer of the FC net (784-300-100-10, no bias, ReLU between layers, no BatchNorm) holds FROZEN random
  weights and a trainable score per weight, initialised like PyTorch's default conv init (Kaiming-uniform,
  a = √5, i.e. U(−1/√fan_in, 1/√fan_in));
- the forward pass uses weight ⊙ mask, the mask keeping the n − int((1 − k)·n) largest |scores| of the layer
  (a stable ascending sort of |scores|, the first int((1 − k)·n) zeroed: ties fall by flat index);
- the mask's gradient is passed straight through to |scores| (and through abs to the scores).

The weights are drawn by supermask's own generator (docs/generator.md; python/src/supermask/generator.py is its numpy
twin, bit for bit), so the exported `.smask` stores them as a seed. The dense baseline is the same network
with every weight trained from the Kaiming-normal draw, no mask.

    python3 tools/train_supermask.py bundle [--epochs 20] [--seed 2020] [--keep 0.5] [--out models/mnist]
    python3 tools/train_supermask.py train --init signed-constant --keep 0.5 -o fc-usc.h5

`bundle` trains fc-usc, fc-ukn and fc-dense, writes their .h5 files, exports them with `supermask export`,
checks that supermask recomputes the same masks (kept counts) and classifies the test split exactly as
PyTorch does (equal correct counts), then writes models/mnist/ (the .smask files, the gzipped test split and
manifest.json; tools/mnist_bundle.py). `train` writes one .h5 only.
"""

import argparse
import math
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import torch
import torch.nn.functional as F

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent / "python" / "src")]
import mnist_data  # noqa: E402
from supermask import generator as smask_generator  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FC_WIDTHS = (784, 300, 100, 10)
INITS = {"usc": "signed-constant", "ukn": "kaiming-normal"}


class Recipe:
    """The original small-scale recipe (configs/smallscale: SGD, momentum 0.9, lr 0.1 with cosine decay,
    weight decay 1e-4, batch 128, no augmentation for MNIST) with fewer epochs than its 100."""

    def __init__(self, epochs=20, lr=0.1, momentum=0.9, weight_decay=1e-4, batch_size=128):
        self.epochs, self.lr, self.momentum = epochs, lr, momentum
        self.weight_decay, self.batch_size = weight_decay, batch_size

    def describe(self):
        return (f"SGD momentum {self.momentum}, weight decay {self.weight_decay:g}, "
                f"cosine lr from {self.lr:g} per epoch, no warm-up")


def kept_count(n, keep):
    """The original rule: n − int((1 − k)·n), the product in double precision."""
    return n - int((1.0 - keep) * n)


def top_k_mask(scores, keep):
    """1 for the kept n − int((1 − k)·n) largest |scores|, 0 elsewhere; ties zeroed in flat-index order.

    The same mask as the original's stable ascending sort with the first int((1 − k)·n) zeroed
    (`sorted_mask` spells that out), found by selection instead: the zeroed-th smallest value is the
    threshold, everything below it is zeroed, and of the values equal to it the lowest flat indices are
    zeroed until the count is reached. Selection is several times faster than sorting every step.
    """
    flat = scores.detach().abs().flatten()
    zeroed = int((1.0 - keep) * flat.numel())
    if zeroed == 0:
        return torch.ones_like(scores)
    threshold = torch.kthvalue(flat, zeroed).values
    mask = flat > threshold
    tied = (flat == threshold).nonzero().flatten()
    below = int((flat < threshold).sum())
    mask[tied[zeroed - below:]] = True
    return mask.to(scores.dtype).view_as(scores)


def sorted_mask(scores, keep):
    """The original rule literally: stable ascending sort of |scores|, the first int((1 − k)·n) zeroed."""
    flat = scores.detach().abs().flatten()
    order = torch.sort(flat, stable=True).indices
    mask = torch.ones_like(flat)
    mask[order[:int((1.0 - keep) * flat.numel())]] = 0
    return mask.view_as(scores)


class GetSubnet(torch.autograd.Function):
    """The mask in the forward pass, the identity (straight-through) for the scores' gradient."""

    @staticmethod
    def forward(ctx, scores, keep):
        return top_k_mask(scores, keep)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class FCNet(torch.nn.Module):
    """The FC net of models/frankle.py at any widths: linear layers (1×1 convs there) without bias, ReLU between.

    `keep` None trains the weights themselves (the dense baseline); otherwise the weights are frozen
    (no gradient) and each layer learns scores.
    """

    def __init__(self, weights, keep, seed=0):
        super().__init__()
        self.keep = keep
        self.weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.from_numpy(w.reshape(w.shape[0], -1).copy()), requires_grad=keep is None)
            for w in weights)
        self.scores = torch.nn.ParameterList()
        if keep is not None:
            generator = torch.Generator().manual_seed(seed)
            for w in self.weights:
                score = torch.empty_like(w)
                # nn.Conv2d's default init, which SubnetConv's scores get: kaiming_uniform_(a=√5).
                torch.nn.init.kaiming_uniform_(score, a=math.sqrt(5), generator=generator)
                self.scores.append(torch.nn.Parameter(score))

    def effective(self, index):
        """Layer `index`'s weights as the forward pass uses them: masked for a subnetwork, as they are if dense."""
        weight = self.weights[index]
        if self.keep is None:
            return weight
        # As SubnetConv's clamped_scores: the mask is taken of |scores|, so the gradient passes through abs.
        return weight * GetSubnet.apply(self.scores[index].abs(), self.keep)

    def forward(self, x):
        x = x.flatten(1)
        for index in range(len(self.weights)):
            x = F.linear(x, self.effective(index))
            if index < len(self.weights) - 1:
                x = F.relu(x)
        return x

    def exported(self):
        """The network the .smask holds: float32 weight ⊙ final mask per layer, [out, in]."""
        with torch.no_grad():
            return [self.effective(i).detach().clone() for i in range(len(self.weights))]

    def masks(self):
        """Each layer's current 0/1 mask."""
        with torch.no_grad():
            return [top_k_mask(s, self.keep) for s in self.scores]


def generator_weights(init, seed, widths):
    """Layer i's float32 weights [out, in, 1, 1] from supermask's generator (layer index i)."""
    return [smask_generator.weights(init, seed, i, (widths[i + 1], widths[i], 1, 1)) for i in range(len(widths) - 1)]


def train(model, images, labels, recipe, seed, log=None):
    """Trains the scores (or the dense weights) in place; returns the seconds it took."""
    shuffle = torch.Generator().manual_seed(seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(parameters, lr=recipe.lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    count = images.shape[0]
    start = time.perf_counter()
    for epoch in range(recipe.epochs):
        # utils/schedulers.py cosine_lr, set at the start of each epoch (no warm-up).
        for group in optimizer.param_groups:
            group["lr"] = 0.5 * (1 + math.cos(math.pi * epoch / recipe.epochs)) * recipe.lr
        model.train()
        order = torch.randperm(count, generator=shuffle)
        total_loss = 0.0
        for first in range(0, count, recipe.batch_size):
            batch = order[first:first + recipe.batch_size]
            loss = F.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
        if log:
            log(f"  epoch {epoch + 1}/{recipe.epochs}: loss {total_loss / count:.4f} "
                f"({time.perf_counter() - start:.0f} s)")
    return time.perf_counter() - start


def logits_of(weights, images, batch=2000):
    """float32 logits of the plain network with these [out, in] weights (what the exported file holds)."""
    outputs = []
    with torch.no_grad():
        for first in range(0, images.shape[0], batch):
            x = images[first:first + batch].flatten(1)
            for index, weight in enumerate(weights):
                x = F.linear(x, weight)
                if index < len(weights) - 1:
                    x = F.relu(x)
            outputs.append(x)
    return torch.cat(outputs)


def correct_count(weights, images, labels):
    """How many images the network with these weights classifies correctly (argmax, first index on ties)."""
    return int((logits_of(weights, images).argmax(dim=1) == labels).sum())


def set_text_attribute(node, name, text):
    """Fixed-length UTF-8, as docs/hdf5-layout.md requires for string attributes."""
    encoded = text.encode("utf-8")
    node.attrs.create(name, np.bytes_(encoded), dtype=h5py.string_dtype("utf-8", max(1, len(encoded))))


def write_h5(path, tensors, attributes):
    """The layout of docs/hdf5-layout.md: root attributes, /state_dict with one float32 dataset per tensor."""
    with h5py.File(path, "w") as h5:
        for name, value in attributes.items():
            if isinstance(value, str):
                set_text_attribute(h5, name, value)
            else:
                h5.attrs[name] = value
        group = h5.create_group("state_dict", track_order=True)
        for name, tensor in tensors.items():
            dataset = group.create_dataset(name, data=np.ascontiguousarray(tensor, dtype=np.float32))
            set_text_attribute(dataset, "torch_dtype", "float32")


def layer_names(count):
    """models/frankle.py FC keys: linear.0, linear.2, linear.4 (ReLUs sit at the odd indices)."""
    return [f"linear.{2 * i}" for i in range(count)]


def save_subnetwork(model, init, seed, keep, path):
    """The generator's weights, the trained scores, `keep` and the generator's identity (so export can use the seed)."""
    tensors = {}
    for name, weight, scores in zip(layer_names(len(model.weights)), model.weights, model.scores):
        shape = (weight.shape[0], weight.shape[1], 1, 1)
        tensors[f"{name}.weight"] = weight.detach().numpy().reshape(shape)
        tensors[f"{name}.scores"] = scores.detach().numpy().reshape(shape)
    write_h5(path, tensors, {
        "layout": "supermask-state-dict", "layout_version": np.int64(1), "converter": "train_supermask.py",
        "arch": "FC", "generator": smask_generator.IDENTIFIER, "seed": np.int64(seed), "init": init,
        "keep": np.float64(keep)})


def save_dense(model, path):
    """The trained weights alone: no scores, so supermask reads a dense model (keep 1)."""
    tensors = {f"{name}.weight": w.detach().numpy().reshape(w.shape[0], w.shape[1], 1, 1)
               for name, w in zip(layer_names(len(model.weights)), model.weights)}
    write_h5(path, tensors, {"layout": "supermask-state-dict", "layout_version": np.int64(1),
                             "converter": "train_supermask.py", "arch": "FC"})


def load_split(split):
    """(images float32 [N, 1, 28, 28] normalised as torchvision does, labels int64 [N])."""
    images, labels = mnist_data.load(split)
    return torch.from_numpy(mnist_data.normalize(images)), torch.from_numpy(labels.astype(np.int64))


def train_one(args, log):
    """The `train` command: one network, written as an .h5 (scores included for a subnetwork)."""
    recipe = Recipe(epochs=args.epochs)
    train_x, train_y = load_split("train")
    test_x, test_y = load_split("test")
    if args.dense:
        model = FCNet(generator_weights("kaiming-normal", args.seed, FC_WIDTHS), None)
    else:
        model = FCNet(generator_weights(args.init, args.seed, FC_WIDTHS), args.keep, args.seed)
    seconds = train(model, train_x, train_y, recipe, args.seed, log)
    correct = correct_count(model.exported(), test_x, test_y)
    if args.dense:
        save_dense(model, args.output)
    else:
        save_subnetwork(model, args.init, args.seed, args.keep, args.output)
    log(f"{correct}/10000 correct after {seconds:.0f} s; wrote {args.output}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    bundle = commands.add_parser("bundle", help="train fc-usc, fc-ukn, fc-dense and write models/mnist/")
    bundle.add_argument("--out", default=str(ROOT / "models" / "mnist"))
    bundle.add_argument("--supermask", default=str(ROOT / ".build" / "release" / "supermask"))
    one = commands.add_parser("train", help="train one network and write its .h5")
    one.add_argument("--init", choices=sorted(INITS.values()), default="signed-constant")
    one.add_argument("--dense", action="store_true", help="train every weight (the baseline), no mask")
    one.add_argument("-o", "--output", required=True)
    for command in (bundle, one):
        command.add_argument("--epochs", type=int, default=20)
        command.add_argument("--seed", type=int, default=2020, help="generator seed, also seeds scores and shuffling")
        command.add_argument("--keep", type=float, default=0.5, help="fraction of each layer's weights kept")
    args = parser.parse_args(argv)
    if not 0 < args.keep <= 1:
        parser.error("--keep must be in (0, 1]")
    torch.set_num_threads(1)  # the machine's two cores are shared
    log = lambda message: print(message, flush=True)  # noqa: E731
    if args.command == "bundle":
        import mnist_bundle  # imported here: it builds on this module
        mnist_bundle.build_bundle(args, log)
    else:
        train_one(args, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
