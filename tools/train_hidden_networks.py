#!/usr/bin/env python3
"""Train a supermask with allenai/hidden-networks' own code on MNIST, on the CPU, from a known torch seed.

A developer tool (needs torch; CI never runs it). Unlike tools/train_supermask.py, which draws the random weights
with supermask's own generator, this runs the original `main.py` (`main()` → `main_worker`: `--seed` seeding,
`get_model` with its SubnetConv/GetSubnet layers and builder inits, its SGD parameter groups, its cosine policy,
`trainers/default.py`), so the weights and initial scores come from PyTorch's CPU generator and a `.smask` can
store them as `--weights torch-seed` and code the mask against the regenerated initial scores
(docs/format.md §5.2).

What is replaced, and why (none of it touches the generator before `get_model`):
- `data`: main.py's MNIST loader needs torchvision; the stand-in serves the same tensors (ToTensor then
  Normalize((0.1307,), (0.3081,)), tools/mnist_data.py) through a DataLoader with the config's batch size,
  shuffled like the original (the shuffle draws from torch's generator after the model is built);
- `torch.utils.tensorboard` and `tqdm`: logging only;
- `set_gpu`, `Tensor.cuda`, `Module.cuda`: the original asserts CUDA; here they leave everything on the CPU;
- `utils/eval_utils.accuracy` (logging only): its `correct[:k].view(-1)` fails on a non-contiguous tensor under
  torch 2; the stand-in counts the same hits with `reshape`.

    python3 tools/train_hidden_networks.py --hidden-networks DIR --seed 20201129 --epochs 40 -o fc-usc.pth
    python3 tools/pth2h5.py fc-usc.pth fc-usc.h5 --keep 0.5
    supermask export fc-usc.h5 -o fc-usc.smask --weights torch-seed --torch-seed 20201129 --torch-profile torch2-avx2

DIR is a checkout of https://github.com/allenai/hidden-networks (read at commit dddf2d0). The output is the last
epoch's checkpoint as main.py saves it (`state_dict` with `linear.0.weight`, `linear.0.scores`, …); the first
line of standard output after training reports the torch seed and the CPU capability (the torch profile).
"""

import argparse
import importlib.machinery
import os
import sys
import tempfile
import types
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
CONFIGS = {"usc": "configs/smallscale/fc/fc_usc_unsigned.yml", "ukn": "configs/smallscale/fc/fc_ukn_unsigned.yml"}
PROFILES = {"AVX2": "torch2-avx2", "AVX512": "torch2-avx2", "DEFAULT": "torch2-default"}


def stand_in_module(name):
    """An empty module registered as `name` (with a spec: torch's import machinery looks modules up by it)."""
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    sys.modules[name] = module
    return module


def install_stand_ins(torch, mnist_directory):
    """The modules and functions main.py needs that this machine lacks or that would ask for CUDA."""
    sys.path.insert(0, str(TOOLS))
    import mnist_data

    class MNIST:
        def __init__(self, args):
            def loader(split, shuffle):
                images, labels = mnist_data.load(split, mnist_directory)
                dataset = torch.utils.data.TensorDataset(
                    torch.from_numpy(mnist_data.normalize(images)), torch.from_numpy(labels.astype("int64")))
                return torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=shuffle)
            self.train_loader = loader("train", True)
            # The original's validation loader shuffles too; it changes no result and draws after training steps.
            self.val_loader = loader("test", True)

    data = stand_in_module("data")
    data.MNIST = MNIST

    class SummaryWriter:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    stand_in_module("torch.utils.tensorboard").SummaryWriter = SummaryWriter
    class Progress:
        def __new__(cls, iterable, *args, **kwargs):
            return iterable

        @staticmethod
        def write(line):
            print(line, flush=True)

    stand_in_module("tqdm").tqdm = Progress
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    torch.nn.Module.cuda = lambda self, *args, **kwargs: self


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden-networks", required=True, metavar="DIR", help="a checkout of allenai/hidden-networks")
    parser.add_argument("--init", choices=sorted(CONFIGS), default="usc", help="the FC config (default usc)")
    parser.add_argument("--seed", type=int, required=True, help="main.py's --seed (torch.manual_seed)")
    parser.add_argument("--epochs", type=int, default=40, help="epochs (the config says 100; default 40)")
    parser.add_argument("--prune-rate", type=float, default=0.5, help="main.py's --prune-rate: the kept fraction")
    parser.add_argument("--mnist", metavar="DIR", default=None, help="MNIST's IDX files (default: mnist_data's cache)")
    parser.add_argument("--save-every", type=int, default=-1, metavar="N",
                        help="main.py's --save_every: also keep every Nth epoch's checkpoint in the run directory")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.pth", help="the last epoch's checkpoint")
    options = parser.parse_args(argv)

    import torch
    hidden_networks = os.path.abspath(options.hidden_networks)
    install_stand_ins(torch, options.mnist)
    output = os.path.abspath(options.output)
    run_directory = tempfile.mkdtemp(prefix="hidden-networks-run-")
    os.chdir(run_directory)  # main.py appends to runs/results.csv in the working directory
    os.makedirs("runs")
    sys.path.insert(0, hidden_networks)
    sys.argv = ["main.py", "--config", os.path.join(hidden_networks, CONFIGS[options.init]),
                "--prune-rate", str(options.prune_rate), "--epochs", str(options.epochs), "--seed", str(options.seed),
                "--log-dir", run_directory, "--name", f"fc_{options.init}_seed{options.seed}", "--workers", "0",
                "--print-freq", "100000", "--save_every", str(options.save_every)]
    print(f"run directory {run_directory}", flush=True)
    import main as original  # noqa: E402  (args.py parses sys.argv on import)

    original.set_gpu = lambda args, model: model
    import trainers.default

    def accuracy(output, target, topk=(1,)):
        with torch.no_grad():
            hits = output.topk(max(topk), 1, True, True)[1].t().eq(target.view(1, -1))
            return [hits[:k].reshape(-1).float().sum(0, keepdim=True).mul_(100.0 / target.size(0)) for k in topk]

    trainers.default.accuracy = accuracy
    saved = []
    save_checkpoint = original.save_checkpoint

    def keep_last(state, is_best, filename="checkpoint.pth", save=False):
        save_checkpoint(state, is_best, filename=filename, save=save)
        saved.append(state)

    original.save_checkpoint = keep_last
    original.main()
    last = saved[-1]
    torch.save({key: last[key] for key in ("epoch", "arch", "state_dict", "best_acc1", "curr_acc1")}, output)
    capability = torch.backends.cpu.get_cpu_capability()
    print(f"torch seed {options.seed}, CPU capability {capability} (profile {PROFILES.get(capability, '?')}), "
          f"epoch {last['epoch']}, test top-1 {last['curr_acc1']:.2f} %, checkpoint {output}; runs in {run_directory}")


if __name__ == "__main__":
    main()
