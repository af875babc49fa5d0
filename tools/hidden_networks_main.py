"""Import allenai/hidden-networks' main.py as its own command line would, for scripts that build its models.

main.py parses ``sys.argv`` when imported (through args.py) and imports tensorboard, tqdm and its data sets at
module level; ``get_model`` needs none of those, so they are replaced with empty modules (this machine may lack
them). The working directory becomes the checkout, where main.py resolves its configs.
"""
import os
import sys
import types


def import_main(hidden_networks, arguments):
    """Returns hidden-networks' ``main`` module, its ``args`` parsed from ``["main.py", *arguments]``."""
    os.chdir(hidden_networks)
    sys.path.insert(0, hidden_networks)
    for name in ("torch.utils.tensorboard", "data", "tqdm"):
        stub = types.ModuleType(name)
        stub.SummaryWriter = stub.tqdm = None
        sys.modules[name] = stub
    sys.argv = ["main.py", *arguments]
    import main  # noqa: E402  (args.py parses sys.argv on import)
    return main
