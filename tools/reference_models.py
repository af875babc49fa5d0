"""PyTorch reference definitions of the hidden-networks (edge-popup) architectures.

These are independent re-implementations that build the networks exactly as the
original allenai/hidden-networks code does: same module names (so the same
state-dict keys), same layer order, same forward pass, and the same order of
random draws during construction (so ``torch.manual_seed(s)`` followed by a
constructor gives the same frozen weights as the original ``main.get_model``).

Layers: ``SubnetConv`` (conv + ``scores``; mask keeps the top-k of |scores|
per layer, j = int((1 - k) * n) zeroed, ties by ascending flat index),
``NonAffineBatchNorm``; ``DenseConv`` + ``LearnedBatchNorm`` for baselines.
Families (parametric, real configs as named constructors): ImageNet ResNet
(ResNet18/50/101, WideResNet50_2/101_2), CIFAR ResNet (cResNet18/50),
Frankle nets (FC, Conv2/4/6/8).

Only torch is required.  Used by tools/make_test_fixtures.py and
tools/conformance.py; not imported by anything at build or test time.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

INITS = ("kaiming_normal", "signed_constant")

# ---- Mask rule ---------------------------------------------------------------


def zeroed_count(n, keep):
    """Number of weights the edge-popup rule zeroes: int((1 - k) * n) in double."""
    return int((1.0 - float(keep)) * n)


def kept_count(n, keep):
    """Number of weights the edge-popup rule keeps in a layer of n weights."""
    return n - zeroed_count(n, keep)


def subnet_mask(scores, keep):
    """0/1 mask (same shape/dtype as ``scores``) keeping the top-k of |scores|.

    Sorts |scores| flattened in row-major order ascending with a *stable* sort,
    so equal values keep ascending flat-index order, and zeroes the first
    j = int((1 - keep) * n) entries of that order.
    """
    flat = scores.detach().abs().flatten()
    _, order = torch.sort(flat, stable=True)
    mask = torch.ones_like(flat)
    mask[order[: zeroed_count(flat.numel(), keep)]] = 0
    return mask.view_as(scores)


# ---- Layer types -------------------------------------------------------------


class SubnetConv(nn.Conv2d):
    """Conv whose effective weight is ``weight * subnet_mask(scores, keep)``.

    ``keep`` (the paper's k, fraction KEPT) is a plain attribute, never saved.
    Construction draws: nn.Conv2d default init of ``weight`` (n uniforms), then
    ``scores`` ~ U(+-1/sqrt(fan_in)) (n uniforms), as in the original code.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scores = nn.Parameter(torch.empty_like(self.weight))
        nn.init.kaiming_uniform_(self.scores, a=math.sqrt(5))
        self.keep = None
        self._mask_cache = (None, None)

    def mask(self):
        """Current 0/1 mask; requires ``keep`` to be set.

        Cached until ``keep`` or ``scores`` change (tracked through the
        tensor's in-place version counter), so big models do not re-sort
        millions of scores on every forward pass.
        """
        if self.keep is None:
            raise RuntimeError("SubnetConv.keep is not set (use set_keep)")
        s = self.scores
        key = (self.keep, s._version, s.data_ptr(), s.dtype)
        if self._mask_cache[0] != key:
            self._mask_cache = (key, subnet_mask(s, self.keep))
        return self._mask_cache[1]

    def forward(self, x):
        w = self.weight * self.mask()
        return F.conv2d(x, w, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


DenseConv = nn.Conv2d
LearnedBatchNorm = nn.BatchNorm2d


class NonAffineBatchNorm(nn.BatchNorm2d):
    """BatchNorm2d with affine=False (only running statistics)."""

    def __init__(self, channels):
        super().__init__(channels, affine=False)


# ---- Builder: conv/BN factory with the original weight initialisers ----------


def init_weight(weight, init):
    """Apply the builder initialiser (fan_in mode, relu gain, no scale_fan)."""
    if init == "kaiming_normal":
        nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity="relu")
    elif init == "signed_constant":
        fan = nn.init._calculate_correct_fan(weight, "fan_in")
        std = nn.init.calculate_gain("relu") / math.sqrt(fan)
        weight.data = weight.data.sign() * std
    else:
        raise ValueError(f"unknown init {init!r}; expected one of {INITS}")


class Builder:
    """Creates convs (bias-free, padding k//2, initialised) and BN layers.

    ``dense=False`` gives SubnetConv + NonAffineBatchNorm (the supermask
    models); ``dense=True`` gives DenseConv + LearnedBatchNorm (baselines).
    """

    def __init__(self, init="kaiming_normal", dense=False):
        self.init = init
        self.conv_cls = DenseConv if dense else SubnetConv
        self.bn_cls = LearnedBatchNorm if dense else NonAffineBatchNorm

    def conv(self, kernel, cin, cout, stride=1):
        conv = self.conv_cls(cin, cout, kernel_size=kernel, stride=stride,
                             padding=kernel // 2, bias=False)
        init_weight(conv.weight, self.init)
        return conv

    def bn(self, channels):
        return self.bn_cls(channels)


# ---- ImageNet ResNet (models/resnet.py) --------------------------------------


class BasicBlock(nn.Module):
    """3x3 (stride) -> BN -> ReLU -> 3x3 -> BN, + shortcut, ReLU."""

    expansion = 1

    def __init__(self, b, cin, planes, stride=1, downsample=None, base_width=64):
        super().__init__()
        if base_width != 64:
            raise ValueError("BasicBlock supports width_per_group 64 only")
        self.conv1 = b.conv(3, cin, planes, stride)
        self.bn1 = b.bn(planes)
        self.conv2 = b.conv(3, planes, planes)
        self.bn2 = b.bn(planes)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


class Bottleneck(nn.Module):
    """v1.5 bottleneck: 1x1 -> 3x3 (stride) -> 1x1 (x4), + shortcut, ReLU."""

    expansion = 4

    def __init__(self, b, cin, planes, stride=1, downsample=None, base_width=64):
        super().__init__()
        width = int(planes * base_width / 64)
        self.conv1 = b.conv(1, cin, width)
        self.bn1 = b.bn(width)
        self.conv2 = b.conv(3, width, width, stride)
        self.bn2 = b.bn(width)
        self.conv3 = b.conv(1, width, planes * self.expansion)
        self.bn3 = b.bn(planes * self.expansion)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.relu(out + shortcut)


BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}


class ResNet(nn.Module):
    """ImageNet ResNet: 7x7/2 stem + maxpool, 4 stages, avgpool, 1x1-conv fc.

    ``planes`` are the per-stage planes (stem channels = planes[0]); the
    downsample branch (conv + BN, keys ``downsample.0/.1``) is built *before*
    its block, matching the original RNG order.
    """

    def __init__(self, block, blocks, planes=(64, 128, 256, 512),
                 width_per_group=64, classes=1000, init="kaiming_normal",
                 dense=False):
        super().__init__()
        block = BLOCKS.get(block, block)
        b = Builder(init, dense)
        self.inplanes = planes[0]
        self.base_width = width_per_group
        self.conv1 = b.conv(7, 3, planes[0], stride=2)
        self.bn1 = b.bn(planes[0])
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (p, n) in enumerate(zip(planes, blocks)):
            stage = self._make_stage(b, block, p, n, 1 if i == 0 else 2)
            setattr(self, f"layer{i + 1}", stage)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = b.conv(1, planes[-1] * block.expansion, classes)

    def _make_stage(self, b, block, planes, count, stride):
        out = planes * block.expansion
        downsample = None
        if stride != 1 or self.inplanes != out:
            dconv = b.conv(1, self.inplanes, out, stride)
            downsample = nn.Sequential(dconv, b.bn(out))
        layers = [block(b, self.inplanes, planes, stride, downsample,
                        base_width=self.base_width)]
        self.inplanes = out
        for _ in range(1, count):
            layers.append(block(b, out, planes, base_width=self.base_width))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.fc(self.avgpool(x))
        return x.view(x.size(0), -1)


# ---- CIFAR ResNet (models/resnet_cifar.py) -----------------------------------


def _cifar_shortcut(b, cin, cout, stride):
    """Empty Sequential (identity) or [1x1 conv, BN]; keys shortcut.0/.1."""
    if stride != 1 or cin != cout:
        return nn.Sequential(b.conv(1, cin, cout, stride), b.bn(cout))
    return nn.Sequential()


class CifarBasicBlock(nn.Module):
    """CIFAR basic block; main path built before the shortcut."""

    expansion = 1

    def __init__(self, b, cin, planes, stride=1):
        super().__init__()
        self.conv1 = b.conv(3, cin, planes, stride)
        self.bn1 = b.bn(planes)
        self.conv2 = b.conv(3, planes, planes)
        self.bn2 = b.bn(planes)
        self.shortcut = _cifar_shortcut(b, cin, planes, stride)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarBottleneck(nn.Module):
    """CIFAR bottleneck (inner width = planes, stride on the 3x3)."""

    expansion = 4

    def __init__(self, b, cin, planes, stride=1):
        super().__init__()
        self.conv1 = b.conv(1, cin, planes)
        self.bn1 = b.bn(planes)
        self.conv2 = b.conv(3, planes, planes, stride)
        self.bn2 = b.bn(planes)
        self.conv3 = b.conv(1, planes, planes * self.expansion)
        self.bn3 = b.bn(planes * self.expansion)
        self.shortcut = _cifar_shortcut(b, cin, planes * self.expansion, stride)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + self.shortcut(x))


CIFAR_BLOCKS = {"basic": CifarBasicBlock, "bottleneck": CifarBottleneck}


class CifarResNet(nn.Module):
    """CIFAR ResNet: 3x3/1 stem, no maxpool, avg_pool2d(4), 1x1-conv fc."""

    def __init__(self, block, blocks, planes=(64, 128, 256, 512), classes=10,
                 init="kaiming_normal", dense=False):
        super().__init__()
        block = CIFAR_BLOCKS.get(block, block)
        b = Builder(init, dense)
        cin = planes[0]
        self.conv1 = b.conv(3, 3, cin)
        self.bn1 = b.bn(cin)
        for i, (p, n) in enumerate(zip(planes, blocks)):
            layers = []
            for s in [1 if i == 0 else 2] + [1] * (n - 1):
                layers.append(block(b, cin, p, s))
                cin = p * block.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*layers))
        self.fc = b.conv(1, cin, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = self.fc(F.avg_pool2d(out, 4))
        return out.flatten(1)


# ---- Frankle et al. nets (models/frankle.py) ---------------------------------


def _linear_stack(b, sizes):
    """1x1-conv 'linear' Sequential: conv, ReLU, conv, ReLU, ..., conv."""
    mods = []
    for i, (cin, cout) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i:
            mods.append(nn.ReLU())
        mods.append(b.conv(1, cin, cout))
    return nn.Sequential(*mods)


class FrankleConv(nn.Module):
    """Conv2/4/6/8: pairs of 3x3 convs each followed by a 2x2 max-pool, then a
    3-layer 1x1-conv MLP on the channel-major flattened features; no BN.

    The original ends with ``squeeze()``; here the output is always [N, classes].
    """

    def __init__(self, conv_widths, hidden=256, classes=10, in_channels=3,
                 input_hw=32, init="kaiming_normal", dense=False):
        super().__init__()
        if len(conv_widths) % 2:
            raise ValueError("conv_widths must come in pairs")
        b = Builder(init, dense)
        mods, cin = [], in_channels
        for i, w in enumerate(conv_widths):
            mods += [b.conv(3, cin, w), nn.ReLU()]
            if i % 2 == 1:
                mods.append(nn.MaxPool2d((2, 2)))
            cin = w
        self.convs = nn.Sequential(*mods)
        side = input_hw // 2 ** (len(conv_widths) // 2)
        self.flat = cin * side * side
        self.linear = _linear_stack(b, [self.flat, hidden, hidden, classes])

    def forward(self, x):
        out = self.convs(x)
        out = self.linear(out.reshape(out.size(0), self.flat, 1, 1))
        return out.view(out.size(0), -1)


class FCNet(nn.Module):
    """MNIST FC net: input viewed as [N, 784, 1, 1] through a 1x1-conv MLP."""

    def __init__(self, sizes=(784, 300, 100, 10), init="kaiming_normal",
                 dense=False):
        super().__init__()
        self.inputs = sizes[0]
        self.linear = _linear_stack(Builder(init, dense), list(sizes))

    def forward(self, x):
        out = self.linear(x.reshape(x.size(0), self.inputs, 1, 1))
        return out.view(out.size(0), -1)


# ---- Named constructors (the real configurations) ----------------------------


def ResNet18(**kw):
    return ResNet("basic", [2, 2, 2, 2], **kw)


def ResNet50(**kw):
    return ResNet("bottleneck", [3, 4, 6, 3], **kw)


def ResNet101(**kw):
    return ResNet("bottleneck", [3, 4, 23, 3], **kw)


def WideResNet50_2(**kw):
    return ResNet("bottleneck", [3, 4, 6, 3], width_per_group=128, **kw)


def WideResNet101_2(**kw):
    return ResNet("bottleneck", [3, 4, 23, 3], width_per_group=128, **kw)


def cResNet18(**kw):
    return CifarResNet("basic", [2, 2, 2, 2], **kw)


def cResNet50(**kw):
    return CifarResNet("bottleneck", [3, 4, 6, 3], **kw)


def FC(**kw):
    return FCNet(**kw)


def Conv2(**kw):
    return FrankleConv([64, 64], **kw)


def Conv4(**kw):
    return FrankleConv([64, 64, 128, 128], **kw)


def Conv6(**kw):
    return FrankleConv([64, 64, 128, 128, 256, 256], **kw)


def Conv8(**kw):
    return FrankleConv([64, 64, 128, 128, 256, 256, 512, 512], **kw)


ARCHS = {f.__name__: f for f in (ResNet18, ResNet50, ResNet101, WideResNet50_2,
                                 WideResNet101_2, cResNet18, cResNet50, FC,
                                 Conv2, Conv4, Conv6, Conv8)}

# Input [C, H, W] each real architecture expects.
INPUT_SHAPES = {name: ([3, 224, 224] if name[0] in "RW" else
                       [1, 28, 28] if name == "FC" else [3, 32, 32])
                for name in ARCHS}


# ---- Utilities ---------------------------------------------------------------


def subnet_layers(model):
    """(name, module) for every SubnetConv, in state-dict order."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, SubnetConv)]


def set_keep(model, keep):
    """Set the kept fraction k on every SubnetConv (like set_model_prune_rate)."""
    for _, m in subnet_layers(model):
        m.keep = keep


def mask_kept_counts(model):
    """{module name: number of ones in its current mask} for every SubnetConv."""
    with torch.no_grad():
        return {n: int(m.mask().sum().item()) for n, m in subnet_layers(model)}


def prefixed_state_dict(model, prefix="module."):
    """State dict with every key prefixed, as DataParallel saves it."""
    return {prefix + k: v for k, v in model.state_dict().items()}


def load_prefixed_state_dict(model, state_dict):
    """Load a state dict whose keys may carry a ``module.`` prefix (strict)."""
    clean = {k[len("module."):] if k.startswith("module.") else k: v
             for k, v in state_dict.items()}
    model.load_state_dict(clean, strict=True)


@torch.no_grad()
def reestimate_bn(model, input_shape, batches=4, batch_size=8, seed=0):
    """Recompute BN running stats (cumulative average, momentum=None) from
    seeded N(0,1) batches in train mode, then restore eval mode.

    No-op for models without BN.  Only buffers change; the weights and
    scores are untouched.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return model.eval()
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(batches):
        model(torch.randn([batch_size, *input_shape], generator=gen))
    for m in bns:
        m.momentum = 0.1
    return model.eval()


@torch.no_grad()
def randomize_affine_bn(model, seed=0):
    """Give every affine BN random gamma ~ U(0.5, 1.5) and beta ~ N(0, 0.1^2)."""
    gen = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d) and m.affine:
            m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
