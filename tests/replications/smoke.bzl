"""Macros for the replication smoke tests (tests/replications/smoke_test.sh).

    replication_smoke_test(
        name = "wgan_mnist_smoke",
        target = "wgan_mnist",
        dataset = "mnist",              # reads @otgan_data//:mnist (omit for toys)
        flags = ["--steps=4", "--eval_samples=40"],
        files = ["manifest.json", "samples_eval.npy:40,1,28,28"],
    )
    replication_bad_flag_test(
        name = "wgan_mnist_bad_flag",
        target = "wgan_mnist",
        flags = ["--budget=huge"],
    )

A smoke test runs the target at --budget=smoke with `flags` and checks that
each of `files` exists in the run folder (with the shape after ':' for .npy);
a bad-flag test expects the target to exit non-zero with a one-line message.
"""

def _binary(target):
    return "//replications:" + target

def replication_smoke_test(name, target, flags = [], files = [], dataset = None, size = "small"):
    args = ["$(rootpath %s)" % _binary(target)]
    data = [_binary(target)]
    if dataset:
        args.append("--data_dir=../otgan_data")
        data.append("@otgan_data//:" + dataset)
    native.sh_test(
        name = name,
        size = size,
        srcs = ["smoke_test.sh"],
        args = args + flags + ["--"] + files,
        data = data,
    )

def replication_bad_flag_test(name, target, flags, expect_message = None):
    native.sh_test(
        name = name,
        size = "small",
        srcs = ["smoke_test.sh"],
        args = ["--expect_failure"] +
               (["'--expect_message=%s'" % expect_message] if expect_message else []) +
               ["$(rootpath %s)" % _binary(target)] + flags,
        data = [_binary(target)],
    )
