"""The architecture picture is drawn from the synthesized app, so it shows what is really built."""

from tools.diagram import levels, main, read_assembly


def test_the_diagram_shows_every_stack_and_its_dependencies(full):
    resources, dependencies = read_assembly(full.outdir)
    assert set(resources) == set(full.stacks)
    assert "storage" in dependencies["network"]
    assert resources["storage"]["AWS::S3::Bucket"] == 5
    assert levels(dependencies)["storage"] == 0


def test_the_diagram_is_written_as_a_png(full, tmp_path):
    output = tmp_path / "architecture.png"
    assert main([str(full.outdir), str(output)]) == 0
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_assembly_is_a_clear_error(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "run `make synth` first" in capsys.readouterr().err
