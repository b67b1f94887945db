using System.Text;

namespace NetPerf.Engine.IO;

/// <summary>
/// Reads a file a user named (a scenario, a cost table) in bounded time and memory: a directory, a device, a
/// pipe or a file over the cap is refused with an <see cref="IOException"/> saying so, before it is read
/// whole. It lives in the engine because it is the one project every reader of user files shares.
/// </summary>
public static class BoundedFile
{
    /// <summary>The file's text (UTF-8), or an <see cref="IOException"/> whose message says, in words, why not.</summary>
    public static string ReadText(string path, long maxBytes)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new IOException("the path contains a NUL character");
        }

        if (Directory.Exists(path))
        {
            throw new IOException("it is a directory, not a file");
        }

        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is not FileInfo { Exists: true })
        {
            throw new IOException("it is a symbolic link to nothing (or to a directory)");
        }

        if (!info.Exists)
        {
            throw new FileNotFoundException("no such file");
        }

        // A FIFO blocks the open until something writes to it, and /dev/zero never ends; both stat as empty, as
        // every device does. An empty regular file holds nothing to read either, so zero bytes is refused unopened.
        if (info.Length == 0)
        {
            throw new IOException("it is empty, or not a regular file (a device, pipe or socket); give a regular file");
        }

        if (info.Length > maxBytes)
        {
            throw new IOException($"it has {info.Length:N0} bytes; at most {maxBytes:N0} are read");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        if (!stream.CanSeek)
        {
            throw new IOException("it is not a regular file (a device, pipe or socket); give a regular file");
        }

        // The size can change between the stat and the read: read at most one byte past the cap, never more.
        var buffer = new byte[Math.Min(info.Length, maxBytes) + 1];
        int total = 0;
        while (total < buffer.Length && stream.Read(buffer, total, buffer.Length - total) is > 0 and var n)
        {
            total += n;
        }

        if (total > maxBytes)
        {
            throw new IOException($"it has more than {maxBytes:N0} bytes; at most {maxBytes:N0} are read");
        }

        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetString(buffer, 0, total).TrimStart('\uFEFF');
    }
}
