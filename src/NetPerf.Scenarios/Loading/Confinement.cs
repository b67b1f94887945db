namespace NetPerf.Scenarios.Loading;

/// <summary>A scenario from elsewhere reads only its own files (its costFile, its manifests) unless --allow-outside.</summary>
internal static class Confinement
{
    /// <summary>
    /// Where <paramref name="path"/> really is when that is not inside <paramref name="folder"/> (a symbolic link
    /// is followed to its target), or null when it is inside: a scenario from elsewhere must not read any file
    /// its author names, only its own.
    /// </summary>
    public static string? Outside(string path, string folder)
    {
        string full = Path.GetFullPath(path);
        try
        {
            if (new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                full = Path.GetFullPath(target.FullName);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable links are refused when the table is read; where they point does not matter then.
        }

        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal) ? null : full;
    }
}
