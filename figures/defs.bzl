"""figure_set: every figure and the report's generated LaTeX, built by
//tools:figures from a results folder into one output directory."""

def _figure_set_impl(ctx):
    out = ctx.actions.declare_directory(ctx.attr.name)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [
            "--results=" + ctx.attr.results_root,
            "--out=" + out.path,
            "--published=" + ctx.file.published.path,
        ],
        inputs = ctx.files.results + [ctx.file.published],
        outputs = [out],
        mnemonic = "Figures",
        progress_message = "Building figures from %s" % ctx.attr.results_root,
        use_default_shell_env = True,  # PATH with gnuplot
    )
    return [DefaultInfo(files = depset([out]))]

figure_set = rule(
    implementation = _figure_set_impl,
    attrs = {
        "results": attr.label_list(allow_files = True, doc = "every file of the results folder"),
        "results_root": attr.string(mandatory = True, doc = "that folder, relative to the workspace root"),
        "published": attr.label(allow_single_file = [".json"], mandatory = True),
        "_tool": attr.label(default = "//tools:figures", executable = True, cfg = "exec"),
    },
    doc = "Runs //tools:figures: <name>/ holds *.pdf, *.png, figures.json and tex/*.tex.",
)
