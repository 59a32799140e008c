#!/usr/bin/env python3
"""Python PyTorch reference for bench/train_step.cc: the same nets and training
steps, timed the same way (median of --iters after --warmup), one JSON line
per method: {"method": ..., "ms": ...}.

Run by //bench:train_step (use Debian's interpreter, /usr/bin/python3, which
has python3-torch, the same LibTorch 1.13 build):

  /usr/bin/python3 bench/train_step_reference.py --threads=2 --methods=wgan_gp_mnist

Nets and steps mirror lib/nn and replications/ (see train_step.cc for each
method's setting); plain PyTorch idioms (ConvTranspose2d, weight norm written
out, a tensorized log-domain Sinkhorn) as a Python user would write them.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median_ms(fn, warmup, iters, max_seconds=1e30):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(iters):
        if sum(ts) >= max_seconds * 1e3:
            break
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts)


# ---------------------------------------------------------------- nets
def bn_or_id(features, bn, two_d=True):
    if not bn:
        return nn.Identity()
    cls = nn.BatchNorm2d if two_d else nn.BatchNorm1d
    return cls(features, eps=1e-5, track_running_stats=False)  # batch statistics always


class WganGpGenerator(nn.Module):  # gan_mnist.py, DIM 64 (bn: MODE='wgan')
    def __init__(self, dim=64, latent=128, bn=False):
        super().__init__()
        self.dim = dim
        self.fc = nn.Linear(latent, 4 * 4 * 4 * dim)
        self.bn1 = bn_or_id(4 * 4 * 4 * dim, bn, two_d=False)
        self.up1 = nn.ConvTranspose2d(4 * dim, 2 * dim, 5, 2, 2, 1)
        self.bn2 = bn_or_id(2 * dim, bn)
        self.up2 = nn.ConvTranspose2d(2 * dim, dim, 5, 2, 2, 1)
        self.bn3 = bn_or_id(dim, bn)
        self.up3 = nn.ConvTranspose2d(dim, 1, 5, 2, 2, 1)

    def forward(self, z):
        h = F.relu(self.bn1(self.fc(z))).view(-1, 4 * self.dim, 4, 4)
        h = F.relu(self.bn2(self.up1(h)))[:, :, :7, :7]
        h = F.relu(self.bn3(self.up2(h)))
        return torch.sigmoid(self.up3(h))


def tf_same_pad(x, k=5, s=2):
    """TensorFlow's "SAME" padding of a k x k stride-s conv (asymmetric: the
    extra row and column go after), as lib/nn/wgan_nets.cc SamePad."""
    def pads(n):
        out = (n + s - 1) // s
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    top, bottom = pads(x.shape[2])
    left, right = pads(x.shape[3])
    return F.pad(x, (left, right, top, bottom))


class WganGpCritic(nn.Module):
    # gan_mnist.py's critic with TF "SAME" padding, the same network as the
    # C++ WganGpCritic (PyTorch's symmetric padding=2 would be ~20% cheaper
    # under the gradient penalty, measured, but a different network).
    def __init__(self, dim=64, bn=False):
        super().__init__()
        self.c1 = nn.Conv2d(1, dim, 5, 2, 0)
        self.c2 = nn.Conv2d(dim, 2 * dim, 5, 2, 0)
        self.bn2 = bn_or_id(2 * dim, bn)
        self.c3 = nn.Conv2d(2 * dim, 4 * dim, 5, 2, 0)
        self.bn3 = bn_or_id(4 * dim, bn)
        self.fc = nn.Linear(4 * 4 * 4 * dim, 1)

    def forward(self, x):
        h = F.leaky_relu(self.c1(tf_same_pad(x)), 0.2)
        h = F.leaky_relu(self.bn2(self.c2(tf_same_pad(h))), 0.2)
        h = F.leaky_relu(self.bn3(self.c3(tf_same_pad(h))), 0.2)
        return self.fc(h.flatten(1)).squeeze(1)


def mlp(sizes, act=nn.ReLU, out_act=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    if out_act is not None:
        layers.append(out_act())
    return nn.Sequential(*layers)


class WNConv2d(nn.Module):  # weight norm, TF "SAME" padding (lib/nn/otgan_nets)
    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.v = nn.Parameter(torch.randn(cout, cin, k, k) * 0.05)
        self.g = nn.Parameter(torch.ones(cout))
        self.b = nn.Parameter(torch.zeros(cout))
        self.k, self.s = k, stride

    def forward(self, x):
        w = self.v * (self.g.view(-1, 1, 1, 1) / self.v.pow(2).sum((1, 2, 3), keepdim=True).sqrt())
        n = x.shape[2]
        out = (n + self.s - 1) // self.s
        total = max((out - 1) * self.s + self.k - n, 0)
        a, b = total // 2, total - total // 2
        if a == b:
            return F.conv2d(x, w, self.b, self.s, a)
        return F.conv2d(F.pad(x, (a, b, a, b)), w, self.b, self.s)


class WNLinear(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.v = nn.Parameter(torch.randn(cout, cin) * 0.05)
        self.g = nn.Parameter(torch.ones(cout))
        self.b = nn.Parameter(torch.zeros(cout))

    def forward(self, x):
        w = self.v * (self.g.view(-1, 1) / self.v.pow(2).sum(1, keepdim=True).sqrt())
        return F.linear(x, w, self.b)


def crelu(x):
    return torch.cat([F.relu(x), F.relu(-x)], 1)


class OtganGenerator(nn.Module):  # dcgan.py scaled to 28x28, dim 32, latent 100
    def __init__(self, dim=32, latent=100):
        super().__init__()
        self.dim = dim
        self.fc = WNLinear(latent, 2 * 2 * dim * 7 * 7)
        self.c1 = WNConv2d(2 * dim, 2 * dim, 5, 1)
        self.c2 = WNConv2d(dim, 2 * (dim // 2), 5, 1)
        self.out = WNConv2d(dim // 2, 1, 5, 1)

    def forward(self, z):
        h = F.glu(self.fc(z), 1).view(-1, 2 * self.dim, 7, 7)
        h = F.glu(self.c1(F.interpolate(h, scale_factor=2, mode="nearest")), 1)
        h = F.glu(self.c2(F.interpolate(h, scale_factor=2, mode="nearest")), 1)
        return torch.tanh(self.out(h))


class OtganCritic(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.c0 = WNConv2d(1, dim // 4, 5, 1)
        self.c1 = WNConv2d(2 * (dim // 4), dim // 2, 5, 2)
        self.c2 = WNConv2d(2 * (dim // 2), dim, 5, 2)

    def forward(self, x):
        h = self.c0(x)
        h = self.c1(crelu(h))
        h = self.c2(crelu(h))
        f = crelu(h).flatten(1)
        return f / f.norm(dim=1, keepdim=True).clamp_min(1e-12)


class LaschosGenerator(nn.Module):
    def __init__(self, latent=250):
        super().__init__()
        self.fc = nn.Linear(latent, 4 * 4 * 256)
        self.ln0 = nn.LayerNorm([256, 4, 4])
        self.up1 = nn.ConvTranspose2d(256, 128, 5, 2, 2, 1)
        self.ln1 = nn.LayerNorm([128, 8, 8])
        self.up2 = nn.ConvTranspose2d(128, 64, 5, 2, 2, 1)
        self.ln2 = nn.LayerNorm([64, 16, 16])
        self.up3 = nn.ConvTranspose2d(64, 1, 5, 2, 2, 1)

    def forward(self, z):
        # .float(): the layer norms in fp32 under bf16 autocast, as the C++
        # (torch 1.13's CPU layer norm refuses bf16 input with fp32 weights).
        h = F.relu(self.ln0(self.fc(z).float().view(-1, 256, 4, 4)))
        h = F.relu(self.ln1(self.up1(h).float()))
        h = F.relu(self.ln2(self.up2(h).float()))
        return torch.tanh(self.up3(h))


# ---------------------------------------------------------------- losses
def gradient_penalty(critic, real, fake, lam):
    a = torch.rand(real.shape[0], *([1] * (real.dim() - 1)))
    x = (a * real.detach() + (1 - a) * fake.detach()).requires_grad_(True)
    d = critic(x)
    (g,) = torch.autograd.grad(d.sum(), x, create_graph=True)
    return lam * (g.flatten(1).norm(dim=1) - 1).pow(2).mean()


def sinkhorn_potentials(c, eps, iters):
    """Log-domain Sinkhorn with uniform weights; returns f, g."""
    n, m = c.shape
    log_a = torch.full((n,), -torch.log(torch.tensor(float(n))).item())
    log_b = torch.full((m,), -torch.log(torch.tensor(float(m))).item())
    f = torch.zeros(n)
    g = torch.zeros(m)
    for _ in range(iters):
        f = -eps * torch.logsumexp((g + eps * log_b - c) / eps, dim=1)
        g = -eps * torch.logsumexp((f + eps * log_a - c.t()) / eps, dim=1)
    return f, g, log_a, log_b


def transport_cost(c, eps, iters, envelope):
    """<P_eps, C>; envelope: plan from a detached C, gradient through C only."""
    if envelope:
        with torch.no_grad():
            f, g, la, lb = sinkhorn_potentials(c.detach(), eps, iters)
            p = torch.exp((f[:, None] + g[None, :] - c.detach()) / eps + la[:, None] + lb[None, :])
        return (p * c).sum()
    f, g, la, lb = sinkhorn_potentials(c, eps, iters)
    p = torch.exp((f[:, None] + g[None, :] - c) / eps + la[:, None] + lb[None, :])
    return (p * c).sum()


def sq_dist(a, b):
    return (a.pow(2).sum(1, keepdim=True) + b.pow(2).sum(1)[None, :] - 2 * a @ b.t()).clamp_min(0)


def energy_distance(ex, ex2, ey, ey2, eps, iters, cosine=True):
    cost = (lambda a, b: 1 - a @ b.t()) if cosine else sq_dist
    w = lambda a, b: transport_cost(cost(a, b), eps, iters, True)
    return (w(ex, ey) + w(ex, ey2) + w(ex2, ey) + w(ex2, ey2)
            - 2 * w(ex, ex2) - 2 * w(ey, ey2))


# ---------------------------------------------------------------- methods
BF16 = False  # --precision=bf16: nets' forward under torch.autocast, as the C++ side


class Prec(nn.Module):
    """A net whose forward runs under bfloat16 autocast when BF16 is set,
    output cast back to float32 (lib/train/precision.h's InPrecision)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        if not BF16:
            return self.net(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = self.net(x)
        return out.float()


def wgan_generator_step(G, D, gopt, batch, latent):
    """One WGAN generator update, -mean D(G(z)), z ~ N(0, I), with the critic
    frozen (as the C++ WganGeneratorUpdate, replications/wgan_family.cc)."""
    for p in D.parameters():
        p.requires_grad_(False)
    gl = -D(G(torch.randn(batch, latent))).mean()
    gopt.zero_grad()
    gl.backward()
    gopt.step()
    for p in D.parameters():
        p.requires_grad_(True)
    gl.item()


def wgan_mnist(gp):
    batch = 50 if gp else 64
    bn = not gp
    G, D = Prec(WganGpGenerator(bn=bn)), Prec(WganGpCritic(bn=bn))
    if gp:
        gopt = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.5, 0.9))
        dopt = torch.optim.Adam(D.parameters(), 1e-4, betas=(0.5, 0.9))
    else:  # TF1 RMSProp's decay and eps (PyTorch's update otherwise)
        gopt = torch.optim.RMSprop(G.parameters(), 5e-5, alpha=0.9, eps=1e-10)
        dopt = torch.optim.RMSprop(D.parameters(), 5e-5, alpha=0.9, eps=1e-10)

    def step():
        for _ in range(5):
            real = torch.rand(batch, 1, 28, 28)
            with torch.no_grad():
                fake = G(torch.randn(batch, 128))
            if bn:
                loss = D(fake).mean() - D(real).mean()
            else:
                out = D(torch.cat([real, fake], 0))
                loss = out[batch:].mean() - out[:batch].mean()
            if gp:
                loss = loss + gradient_penalty(D, real, fake, 10.0)
            dopt.zero_grad()
            loss.backward()
            dopt.step()
            if not gp:
                with torch.no_grad():
                    for p in D.parameters():
                        p.clamp_(-0.01, 0.01)
            loss.item()
        wgan_generator_step(G, D, gopt, batch, 128)

    return {"": step}


def otgan(mnist):
    batch = 256
    eps, iters = (1.0 / 500, 500) if mnist else (1.0 / 50, 10)
    if mnist:
        G, D = Prec(OtganGenerator()), Prec(OtganCritic())
        embed = D
        real = lambda: torch.rand(batch, 1, 28, 28) * 2 - 1
        lat = lambda: torch.rand(batch, 100) * 2 - 1
    else:
        G, D = Prec(mlp([256, 128, 128, 128, 2])), Prec(mlp([2, 32, 32, 32, 16]))
        embed = lambda x: D(x / 4) / 32 ** 0.5
        real = lambda: torch.randn(batch, 2) * 0.2 + 2
        lat = lambda: torch.randn(batch, 256)
    gopt = torch.optim.Adam(G.parameters(), 3e-4, betas=(0.5, 0.999))
    dopt = torch.optim.Adam(D.parameters(), 3e-4, betas=(0.5, 0.999))

    def critic_update():
        with torch.no_grad():
            y, y2 = G(lat()), G(lat())
        l = energy_distance(embed(real()), embed(real()), embed(y), embed(y2), eps, iters, mnist)
        dopt.zero_grad()
        (-l).backward()
        dopt.step()
        l.item()

    def gen_update():
        # The critic frozen for the generator's update, as the C++
        # replications/otgan_family.cc (openai/ot-gan train.py:112 takes
        # tf.gradients of the generated features w.r.t. the generator only).
        x, x2 = real(), real()
        for p in D.parameters():
            p.requires_grad_(False)
        l = energy_distance(embed(x), embed(x2), embed(G(lat())), embed(G(lat())), eps, iters, mnist)
        for p in D.parameters():
            p.requires_grad_(True)
        gopt.zero_grad()
        l.backward()
        gopt.step()
        l.item()

    return {".critic_update": critic_update, ".gen_update": gen_update}


def sinkhorn_gan_mnist():
    batch = 300
    G = Prec(mlp([2, 500, 500, 784], act=nn.Softplus, out_act=nn.Sigmoid))
    opt = torch.optim.Adam(G.parameters(), 5e-3)

    def step():
        real = torch.rand(batch, 784)
        fake = G(torch.rand(batch, 2))
        c = (fake.pow(2).sum(1, keepdim=True) + real.pow(2).sum(1)[None, :]
             - 2 * fake @ real.t()).clamp_min(0)
        loss = transport_cost(c, 1.0, 50, False)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()

    return {"": step}


def assigner_mnist():
    m_real, n, chunk, latent, gen_batch = 5000, 5000, 500, 250, 50
    G = Prec(LaschosGenerator(latent))
    psi_net = mlp([1024, 512, 512, 512, 512, 1], act=lambda: nn.LeakyReLU(0.2))
    gopt = torch.optim.RMSprop(G.parameters(), 1e-4)
    popt = torch.optim.RMSprop(psi_net.parameters(), 5e-5)
    real = torch.rand(m_real, 1, 32, 32) * 2 - 1
    real_flat = real.reshape(m_real, -1)
    real_sq = real_flat.pow(2).sum(1)
    centres = torch.randn(10000, latent)

    def draw(k):
        pick = torch.randperm(centres.shape[0])[:k]
        return centres[pick] + 0.1 * torch.randn(k, latent)

    def step():
        zs, idx = [], []
        for k in range(5):
            last = k == 4
            psi_out = psi_net(real_flat).reshape(-1)
            psi = psi_out.detach()
            counts = torch.zeros(m_real)
            for _ in range(0, n, chunk):
                with torch.no_grad():
                    z = draw(chunk)
                    x = G(z).reshape(chunk, -1)
                    c = 0.1 * (x.pow(2).sum(1, keepdim=True) + real_sq[None, :] - 2 * x @ real_flat.t())
                    i = (c + psi[None, :]).argmin(1)
                    counts += torch.bincount(i, minlength=m_real).float()
                if last:
                    zs.append(z)
                    idx.append(i)
            loss = -((counts / n - 1.0 / m_real) * psi_out).sum()
            popt.zero_grad()
            loss.backward()
            popt.step()
        z_all, idx_all = torch.cat(zs), torch.cat(idx)
        for s in range(0, n - gen_batch + 1, gen_batch):
            x = G(z_all[s:s + gen_batch])
            y = real[idx_all[s:s + gen_batch]]
            loss = (x - y).pow(2).flatten(1).sum(1).mean()
            gopt.zero_grad()
            loss.backward()
            gopt.step()
            loss.item()

    return {"": step}


def wgan_gp_toy():
    batch = 256
    G, D = Prec(mlp([2, 512, 512, 512, 2])), Prec(mlp([2, 512, 512, 512, 1]))
    gopt = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.5, 0.9))
    dopt = torch.optim.Adam(D.parameters(), 1e-4, betas=(0.5, 0.9))

    def step():
        for _ in range(5):
            real = torch.randn(batch, 2)
            with torch.no_grad():
                fake = G(torch.randn(batch, 2))
            out = D(torch.cat([real, fake], 0)).reshape(-1)
            loss = out[batch:].mean() - out[:batch].mean() + gradient_penalty(D, real, fake, 0.1)
            dopt.zero_grad()
            loss.backward()
            dopt.step()
            loss.item()
        wgan_generator_step(G, D, gopt, batch, 2)

    return {"": step}


METHODS = {
    "wgan_gp_mnist": lambda: wgan_mnist(True),
    "wgan_mnist": lambda: wgan_mnist(False),
    "otgan_mnist": lambda: otgan(True),
    "sinkhorn_gan_mnist": sinkhorn_gan_mnist,
    "assigner_mnist": assigner_mnist,
    "wgan_gp_toy": wgan_gp_toy,
    "otgan_mog": lambda: otgan(False),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--max_seconds", type=float, default=60)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--methods", default=",".join(METHODS))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    global BF16
    BF16 = args.precision == "bf16"
    for name in [m for m in args.methods.split(",") if m]:
        if name not in METHODS:
            sys.exit(f"unknown method {name}; known: {','.join(METHODS)}")
        torch.manual_seed(0)
        times = {}
        for suffix, fn in METHODS[name]().items():
            times[name + suffix] = median_ms(fn, args.warmup, args.iters, args.max_seconds)
            print(json.dumps({"method": name + suffix, "ms": times[name + suffix]}), flush=True)
        if name.startswith("otgan"):
            share = 1 / 3 if name == "otgan_mnist" else 1.0
            ms = times[name + ".gen_update"] + times[name + ".critic_update"] * share
            print(json.dumps({"method": name, "ms": ms}), flush=True)


if __name__ == "__main__":
    main()
