"""Draws the architecture of a synthesized platform: one box per stack, its main resources, and
arrows from each stack to the stacks that build on it.

    python -m tools.diagram [CDK_OUT_DIR] [OUTPUT.png]      (make diagram: synth dev, then this)

Everything in the picture is read from the cloud assembly, so it cannot drift from the code.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# Plumbing that every stack has plenty of and that says nothing about the architecture.
HIDDEN_TYPES = {
    "AWS::EC2::Route",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::EIP",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::S3::BucketPolicy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy",
    "AWS::KMS::Alias",
    "AWS::Lambda::Permission",
    "AWS::SNS::TopicPolicy",
    "AWS::SSM::Parameter::Value<String>",
    "AWS::CDK::Metadata",
    "AWS::IAM::InstanceProfile",
    "AWS::Cognito::UserPoolUserToGroupAttachment",
}
MAX_LINES = 7
COLORS = ["#dbeafe", "#dcfce7", "#fef9c3", "#fce7f3", "#ede9fe", "#ffedd5", "#e0f2fe", "#f1f5f9"]


def read_assembly(outdir: Path) -> tuple[dict[str, Counter], dict[str, list[str]]]:
    """Resource type counts and dependencies of each stack, by layer name."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = {k: a for k, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    layer_of = {k: a["displayName"].rsplit("/", 1)[-1] for k, a in stacks.items()}
    resources, dependencies = {}, {}
    for artifact_id, artifact in stacks.items():
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        resources[layer_of[artifact_id]] = Counter(
            r["Type"]
            for r in template["Resources"].values()
            if r["Type"] not in HIDDEN_TYPES and not r["Type"].startswith("Custom::")
        )
        dependencies[layer_of[artifact_id]] = sorted(
            layer_of[d] for d in artifact.get("dependencies", []) if d in layer_of
        )
    return resources, dependencies


def levels(dependencies: dict[str, list[str]]) -> dict[str, int]:
    """Column of each stack: one right of the furthest stack it depends on."""
    found: dict[str, int] = {}

    def level(layer: str) -> int:
        if layer not in found:
            found[layer] = 1 + max((level(d) for d in dependencies[layer]), default=-1)
        return found[layer]

    for layer in dependencies:
        level(layer)
    return found


def describe(counts: Counter) -> list[str]:
    lines = [f"{n} x {t.removeprefix('AWS::').replace('::', ' ')}" for t, n in counts.most_common()]
    return lines if len(lines) <= MAX_LINES else [*lines[: MAX_LINES - 1], f"+ {len(lines) - MAX_LINES + 1} more types"]


def draw(outdir: Path, output: Path) -> None:
    resources, dependencies = read_assembly(outdir)
    column = levels(dependencies)
    columns: dict[int, list[str]] = {}
    for layer in sorted(column, key=lambda name: (column[name], name)):
        columns.setdefault(column[layer], []).append(layer)
    # Fewer crossing arrows: each stack sits level with the mean row of the stacks it builds on.
    row = {layer: index for index, layer in enumerate(columns[0])}
    for level in sorted(columns)[1:]:
        columns[level].sort(
            key=lambda layer: (sum(row[d] for d in dependencies[layer]) / len(dependencies[layer]), layer)
        )
        row.update({layer: index for index, layer in enumerate(columns[level])})

    width, height = 3.2, 2.3
    gap_x, gap_y = 1.0, 0.5
    rows = max(len(v) for v in columns.values())
    figure_w = len(columns) * (width + gap_x) + gap_x
    figure_h = rows * (height + gap_y) + gap_y + 0.8
    figure, axes = plt.subplots(figsize=(figure_w, figure_h), dpi=110)
    axes.set_xlim(0, figure_w)
    axes.set_ylim(0, figure_h)
    axes.axis("off")
    platform = json.loads((outdir / "manifest.json").read_text())["artifacts"]
    name = next(a["displayName"].split("/")[0] for a in platform.values() if a["type"] == "aws:cloudformation:stack")
    axes.text(gap_x, figure_h - 0.45, f"ML data lake: the stacks of {name}", fontsize=14, fontweight="bold")

    boxes = {}
    for col, layers in sorted(columns.items()):
        x = gap_x + col * (width + gap_x)
        offset = (rows - len(layers)) * (height + gap_y) / 2
        for row, layer in enumerate(layers):
            y = figure_h - 0.8 - offset - (row + 1) * (height + gap_y) + gap_y / 2
            color = COLORS[sorted(resources).index(layer) % len(COLORS)]
            axes.add_patch(
                FancyBboxPatch(
                    (x, y),
                    width,
                    height,
                    boxstyle="round,pad=0.02,rounding_size=0.12",
                    facecolor=color,
                    edgecolor="#334155",
                    linewidth=1.2,
                )
            )
            axes.text(x + 0.15, y + height - 0.28, layer, fontsize=12, fontweight="bold", va="center")
            for n, line in enumerate(describe(resources[layer])):
                axes.text(x + 0.15, y + height - 0.62 - n * 0.24, line, fontsize=8, va="center", family="monospace")
            boxes[layer] = (x, y)

    for layer, needs in dependencies.items():
        for need in needs:
            (x0, y0), (x1, y1) = boxes[need], boxes[layer]
            start = (x0 + width, y0 + height / 2) if x1 > x0 else (x0 + width / 2, y0)
            end = (x1, y1 + height / 2) if x1 > x0 else (x1 + width / 2, y1 + height)
            axes.add_patch(
                FancyArrowPatch(
                    start,
                    end,
                    arrowstyle="-|>",
                    mutation_scale=14,
                    color="#475569",
                    linewidth=1.0,
                    connectionstyle="arc3,rad=0.08",
                )
            )
    figure.savefig(output, bbox_inches="tight")
    plt.close(figure)


def main(argv: list[str]) -> int:
    outdir = Path(argv[0] if argv else "cdk.out")
    output = Path(argv[1] if len(argv) > 1 else "docs/architecture.png")
    if not (outdir / "manifest.json").is_file():
        print(f"error: {outdir} is not a synthesized app (no manifest.json); run `make synth` first", file=sys.stderr)
        return 2
    output.parent.mkdir(parents=True, exist_ok=True)
    draw(outdir, output)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
