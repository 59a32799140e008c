"""Repository rules that adapt Debian's system packages for Bazel 4.2.3, offline.

Nothing here downloads: every repository is made from files already installed
by scripts/setup.sh. Load from WORKSPACE:

    load("//third_party:repositories.bzl", "otgan_dependencies")
    otgan_dependencies()
"""

def _fail_missing(what, path, package):
    fail(("\n\n%s not found at %s.\nInstall it with scripts/setup.sh " +
          "(Debian package %s).\n") % (what, path, package))

# ---------------------------------------------------------------------------
# rules_cc: Debian's copy targets a newer Bazel; patch the two files that call
# use_cpp_toolchain(), which Bazel 4.2.3 does not have.
# ---------------------------------------------------------------------------
_RULES_CC_SRC = "/usr/share/bazel/rules/cc"
_RULES_CC_PATCHED = [
    "cc/private/rules_impl/compiler_flag.bzl",
    "cc/private/rules_impl/cc_flags_supplier.bzl",
]

def _debian_rules_cc_impl(ctx):
    src = ctx.path(_RULES_CC_SRC)
    if not src.exists:
        _fail_missing("rules_cc", _RULES_CC_SRC, "bazel-rules-cc")
    res = ctx.execute(["cp", "-rL", _RULES_CC_SRC + "/.", "."])
    if res.return_code != 0:
        fail("copying rules_cc failed: " + res.stderr)
    for rel in _RULES_CC_PATCHED:
        text = ctx.read(rel)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        ctx.file(rel, text, executable = False)

debian_rules_cc = repository_rule(implementation = _debian_rules_cc_impl, local = True)

# ---------------------------------------------------------------------------
# LibTorch: $LIBTORCH (any install: include/ and lib/ below it) or Debian's /usr.
# ---------------------------------------------------------------------------
_TORCH_INCLUDE_DIRS = ["torch", "ATen", "c10", "caffe2"]

def _libtorch_impl(ctx):
    root = ctx.os.environ.get("LIBTORCH", "")
    if root:
        inc = root + "/include"
        lib = root + "/lib"
    else:
        inc = "/usr/include"
        lib = "/usr/lib/x86_64-linux-gnu"
    if not ctx.path(inc + "/torch/csrc/api/include/torch/torch.h").exists:
        fail(("\n\nLibTorch headers not found: expected %s/torch/csrc/api/include/torch/torch.h.\n" +
              "Set LIBTORCH to a LibTorch root (with include/ and lib/) or run scripts/setup.sh " +
              "to install Debian's libtorch-dev.\n") % inc)
    for d in _TORCH_INCLUDE_DIRS:
        if ctx.path(inc + "/" + d).exists:
            ctx.symlink(inc + "/" + d, "include/" + d)
    libs = ["torch", "torch_cpu", "c10"]
    cuda = ctx.path(lib + "/libtorch_cuda.so").exists
    if cuda:
        libs = ["torch", "torch_cuda", "torch_cpu", "c10_cuda", "c10"]
    linkopts = ["-L" + lib, "-Wl,-rpath," + lib, "-Wl,--no-as-needed"]
    linkopts += ["-l" + l for l in libs]
    linkopts += ["-Wl,--as-needed", "-lpthread"]
    ctx.file("BUILD.bazel", """
load("@rules_cc//cc:defs.bzl", "cc_library")

# LibTorch from {root} (CUDA libraries: {cuda}).
cc_library(
    name = "libtorch",
    hdrs = glob(["include/**/*.h", "include/**/*.hpp", "include/**/*.cuh"],
                exclude = ["include/**/python/**", "include/**/*python*"]),
    includes = ["include", "include/torch/csrc/api/include"],
    defines = {defines},
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(
        root = root or "/usr (Debian libtorch-dev)",
        cuda = cuda,
        defines = repr(["OTGAN_LIBTORCH_HAS_CUDA"] if cuda else []),
        linkopts = repr(linkopts),
    ))

libtorch_repository = repository_rule(
    implementation = _libtorch_impl,
    environ = ["LIBTORCH"],
    local = True,
)

# ---------------------------------------------------------------------------
# Header-plus-shared-library packages from /usr.
# ---------------------------------------------------------------------------
def _system_library_impl(ctx):
    for rel in ctx.attr.include_paths:
        path = "/usr/include/" + rel
        if not ctx.path(path).exists:
            _fail_missing(ctx.attr.name + " headers", path, ctx.attr.package)
        ctx.symlink(path, "include/" + rel)
    linkopts = list(ctx.attr.linkopts)
    if ctx.attr.pkg_config:
        res = ctx.execute(["pkg-config", "--libs"] + ctx.attr.pkg_config)
        if res.return_code != 0:
            fail("pkg-config --libs %s failed (is %s installed?): %s" %
                 (" ".join(ctx.attr.pkg_config), ctx.attr.package, res.stderr))
        linkopts += res.stdout.strip().split(" ")
    hdr_globs = []
    for rel in ctx.attr.include_paths:
        if rel.endswith(".h"):
            hdr_globs += ["include/" + rel]
        else:
            hdr_globs += ["include/%s/**" % rel]
    ctx.file("BUILD.bazel", """
load("@rules_cc//cc:defs.bzl", "cc_library")

# {package} from Debian.
cc_library(
    name = "{name}",
    hdrs = glob({globs}),
    includes = ["include"],
    linkopts = {linkopts},
    defines = {defines},
    visibility = ["//visibility:public"],
)
""".format(
        package = ctx.attr.package,
        name = ctx.attr.target,
        globs = repr(hdr_globs),
        linkopts = repr([l for l in linkopts if l]),
        defines = repr(ctx.attr.defines),
    ))

system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {
        "package": attr.string(mandatory = True),
        "target": attr.string(mandatory = True),
        "include_paths": attr.string_list(mandatory = True),
        "pkg_config": attr.string_list(),
        "linkopts": attr.string_list(),
        "defines": attr.string_list(),
    },
    local = True,
)

_ABSL_COMPONENTS = [
    "absl_flags",
    "absl_flags_parse",
    "absl_flags_usage",
    "absl_status",
    "absl_statusor",
    "absl_strings",
    "absl_str_format",
    "absl_time",
    "absl_synchronization",
    "absl_hash",
    "absl_raw_hash_set",
    "absl_random_random",
]

def otgan_dependencies():
    """Declares every external repository of the workspace."""
    debian_rules_cc(name = "rules_cc")
    native.local_repository(name = "rules_java", path = "/usr/share/bazel/rules/java")
    native.local_repository(name = "remote_coverage_tools", path = "third_party/remote_coverage_tools")
    libtorch_repository(name = "libtorch")
    otgan_data_repository(name = "otgan_data")
    system_library(
        name = "absl",
        package = "libabsl-dev",
        target = "absl",
        include_paths = ["absl"],
        pkg_config = _ABSL_COMPONENTS,
    )
    system_library(
        name = "gtest",
        package = "libgtest-dev",
        target = "gtest",
        include_paths = ["gtest", "gmock"],
        linkopts = ["-lgmock", "-lgtest", "-lpthread"],
    )
    system_library(
        name = "gtest_main",
        package = "libgtest-dev",
        target = "gtest_main",
        include_paths = ["gtest", "gmock"],
        linkopts = ["-lgmock", "-lgtest_main", "-lgtest", "-lpthread"],
    )
    system_library(
        name = "gnuplot_iostream",
        package = "libgnuplot-iostream-dev, libboost-iostreams-dev",
        target = "gnuplot_iostream",
        include_paths = ["gnuplot-iostream.h", "boost"],
        linkopts = ["-lboost_iostreams", "-lboost_filesystem", "-lboost_system"],
    )
    system_library(
        name = "stb",
        package = "libstb-dev",
        target = "stb_image_write",
        include_paths = ["stb"],
    )
    # Gloo's headers, for LibTorch's c10d ProcessGroupGloo (lib/dist). Headers
    # only: libtorch_cpu already links libgloo.so.0. USE_C10D_GLOO unlocks
    # torch/csrc/distributed/c10d/ProcessGroupGloo.hpp, as in LibTorch's own build.
    system_library(
        name = "gloo",
        package = "libgloo-dev",
        target = "gloo",
        include_paths = ["gloo"],
        defines = ["USE_C10D_GLOO"],
    )
    # nlohmann/json 3.11 (header-only) for every JSON file the project reads
    # or writes (lib/io/json.h).
    system_library(
        name = "nlohmann_json",
        package = "nlohmann-json3-dev",
        target = "nlohmann_json",
        include_paths = ["nlohmann"],
    )
    system_library(
        name = "zlib",
        package = "zlib1g-dev",
        target = "zlib",
        include_paths = ["zlib.h", "zconf.h"],
        linkopts = ["-lz"],
    )

# ---------------------------------------------------------------------------
# Datasets as a repository, so tests can depend on them as runfiles:
# $OTGAN_DATA_DIR, else <workspace>/data (filled by scripts/setup.sh).
# Tests use `data = ["@otgan_data//:mnist"]` and --data_dir=../otgan_data.
# ---------------------------------------------------------------------------
def _otgan_data_impl(ctx):
    root = ctx.os.environ.get("OTGAN_DATA_DIR", "")
    if not root:
        root = str(ctx.path(Label("//:WORKSPACE")).dirname) + "/data"
    groups = []
    for sub in ["mnist", "fashion"]:
        if ctx.path(root + "/" + sub).exists:
            ctx.symlink(root + "/" + sub, sub)
        groups.append("""
filegroup(
    name = "{sub}",
    srcs = glob(["{sub}/*-ubyte", "{sub}/*-ubyte.gz"]),
    visibility = ["//visibility:public"],
)
""".format(sub = sub))
    ctx.file("BUILD.bazel", "# Datasets from %s (run scripts/setup.sh to fill it).\n" % root + "".join(groups))

otgan_data_repository = repository_rule(
    implementation = _otgan_data_impl,
    environ = ["OTGAN_DATA_DIR"],
    local = True,
)
