namespace PgArk.Cli.Rendering;

/// <summary>
/// A one-line editor for the <c>backup&gt;</c> prompt on a terminal: left/right, home/end, backspace/delete, and up/down
/// through the history (earlier sessions' too when a <see cref="PromptHistory"/> is given). Ctrl-D on an empty line or
/// Ctrl-C ends input (null).
/// </summary>
internal sealed class LineEditor(TextWriter output, PromptHistory? saved = null)
{
    private readonly List<string> _history = saved?.Load().ToList() ?? [];

    public IReadOnlyList<string> History => _history;

    public string? ReadLine(string prompt, bool remember = true)
    {
        output.Write(prompt);
        output.Flush();
        var buffer = new List<char>();
        var cursor = 0;
        var index = _history.Count;
        var treatControlC = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        output.WriteLine();
                        var line = new string(buffer.ToArray());
                        if (remember)
                        {
                            Remember(line);
                        }
                        return line;
                    case ConsoleKey.C or ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                        if (key.Key == ConsoleKey.C || buffer.Count == 0)
                        {
                            output.WriteLine();
                            return null;
                        }
                        break;
                    case ConsoleKey.Backspace when cursor > 0:
                        buffer.RemoveAt(--cursor);
                        break;
                    case ConsoleKey.Delete when cursor < buffer.Count:
                        buffer.RemoveAt(cursor);
                        break;
                    case ConsoleKey.LeftArrow when cursor > 0:
                        cursor--;
                        break;
                    case ConsoleKey.RightArrow when cursor < buffer.Count:
                        cursor++;
                        break;
                    case ConsoleKey.Home:
                        cursor = 0;
                        break;
                    case ConsoleKey.End:
                        cursor = buffer.Count;
                        break;
                    case ConsoleKey.UpArrow when index > 0:
                        index--;
                        Replace(buffer, _history[index], out cursor);
                        break;
                    case ConsoleKey.DownArrow when index < _history.Count:
                        index++;
                        Replace(buffer, index < _history.Count ? _history[index] : "", out cursor);
                        break;
                    default:
                        if (!char.IsControl(key.KeyChar))
                        {
                            buffer.Insert(cursor++, key.KeyChar);
                        }
                        break;
                }
                Redraw(prompt, buffer, cursor);
            }
        }
        finally
        {
            Console.TreatControlCAsInput = treatControlC;
        }
    }

    /// <summary>Adds a line to the history (and the history file), unless it is blank or repeats the last one.</summary>
    public void Remember(string line)
    {
        if (line.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != line))
        {
            _history.Add(line);
            saved?.Append(line);
        }
    }

    private static void Replace(List<char> buffer, string text, out int cursor)
    {
        buffer.Clear();
        buffer.AddRange(text);
        cursor = buffer.Count;
    }

    private void Redraw(string prompt, List<char> buffer, int cursor)
    {
        // Carriage return, prompt and text, clear to the end of the line, then move back to the cursor.
        output.Write($"\r{prompt}{new string(buffer.ToArray())}\u001b[K");
        if (buffer.Count > cursor)
        {
            output.Write($"\u001b[{buffer.Count - cursor}D");
        }
        output.Flush();
    }
}
