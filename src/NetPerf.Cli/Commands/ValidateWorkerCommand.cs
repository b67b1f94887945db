using System.CommandLine;
using System.Text.Json;
using NetPerf.Scenarios.Loading;

namespace NetPerf.Cli.Commands;

/// <summary>
/// <c>netperf validate-worker</c> (hidden; for the fuzz test): reads scenario paths from standard input, one per line,
/// and answers each with one JSON line: {"ok":true}, {"ok":false,"errors":[{"line","column","message"}]}, or
/// {"crash":"..."} for anything that is not a located refusal. One process for many inputs, so a fuzzer can run
/// thousands of them and still see a crash that takes the process down (a stack overflow cannot be caught).
/// </summary>
public static class ValidateWorkerCommand
{
    public static Command Build(TextWriter output)
    {
        var command = new Command("validate-worker", "Validate scenario paths read from standard input, one JSON line each (for fuzzing).") { Hidden = true };
        command.SetAction(_ =>
        {
            for (string? path; (path = Console.In.ReadLine()) is not null;)
            {
                output.WriteLine(Answer(path));
                output.Flush();
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string Answer(string path)
    {
        try
        {
            ScenarioReader.Load(path, allowOutside: true);
            return JsonSerializer.Serialize(new { ok = true });
        }
        catch (ScenarioException e)
        {
            return JsonSerializer.Serialize(new { ok = false, errors = e.Errors.Select(x => new { line = x.Line, column = x.Column, message = x.Message }) });
        }
        catch (Exception e)
        {
            return JsonSerializer.Serialize(new { crash = $"{e.GetType().Name}: {e.Message}" });
        }
    }
}
