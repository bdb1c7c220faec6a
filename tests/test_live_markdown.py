import io
import re

from rich.console import Console

from lowrouter_cli.emulator.scenarios import long_markdown, tokenize
from lowrouter_cli.render.live_markdown import FRAMES_PER_SECOND, LiveMarkdown
from lowrouter_cli.render.live_view import Screen

SAMPLE = """# Title

Intro paragraph with `code` and **bold**.

- first item
- second item
  continued
- third item

1. one
2. two

```python
def f(x):

    return x
```

---
Closing words.
"""


def console(height=25):
    return Console(file=io.StringIO(), width=60, height=height, force_terminal=True, color_system="truecolor",
                   highlight=False, emoji=False, markup=False)


def whole(text):
    from lowrouter_cli.render.markdown import make_markdown

    out = console()
    out.print(make_markdown(text), crop=False)
    return out.file.getvalue()


def streamed(text, step=0.01):
    out = console()
    now = [0.0]

    def clock():
        now[0] += step
        return now[0]

    live = LiveMarkdown(Screen.of(out), clock, show_tail=False)
    for token in tokenize(text):
        live.write(token)
    live.finish()
    return out.file.getvalue(), live


def test_streamed_output_equals_one_render_of_the_whole_answer():
    assert streamed(SAMPLE)[0] == whole(SAMPLE)


def test_long_generated_answer_equals_one_render():
    text = long_markdown(1500, seed=3)
    assert streamed(text)[0] == whole(text)


def test_finished_blocks_are_printed_while_streaming():
    out = console()
    live = LiveMarkdown(Screen.of(out), iter(range(1000)).__next__, show_tail=False)
    live.write("First paragraph.\n\n- a\n- b\n- c")
    live.write("\n")
    items = lambda text: re.findall(r"• \x1b\[0m(\w)", text)  # noqa: E731 - the bullets' letters
    printed = out.file.getvalue()
    assert printed.startswith("First paragraph.") and items(printed) == ["a", "b"]  # "c" may still grow
    live.write("d")
    assert out.file.getvalue() == printed  # the unfinished item stays out of the scrollback
    live.finish()
    assert items(out.file.getvalue()) == ["a", "b", "c"] and "• \x1b[0mc d " in out.file.getvalue()


def test_refreshes_are_throttled_to_the_frame_rate():
    text = long_markdown(600)
    _, live = streamed(text, step=0.001)  # 1 ms between tokens
    tokens = len(tokenize(text))
    assert tokens * 0.001 * FRAMES_PER_SECOND * 0.8 <= live.refreshes <= tokens * 0.001 * FRAMES_PER_SECOND + 2


