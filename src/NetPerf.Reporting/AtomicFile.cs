using System.Text;

namespace NetPerf.Reporting;

/// <summary>
/// Writes a file so that readers (and a run that is killed mid-write) see either the previous file or the whole
/// new one, never half of it: the bytes go to a temporary file in the same directory, are flushed to the disk,
/// and the temporary file is renamed over the target. rename(2) within one filesystem is atomic, which is why
/// the temporary file lives beside the target and not in /tmp.
/// </summary>
public static class AtomicFile
{
    /// <summary>UTF-8 without a byte-order mark: what CSV readers and browsers expect.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static void WriteAllText(string path, string contents) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
            writer.Write(contents);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        // A span cannot be captured by the lambda below; copying is cheap next to the disk write.
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Writes a text file through <paramref name="write"/>, which must not close the writer.</summary>
    public static void WriteText(string path, Action<TextWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
            write(writer);
        });
    }

    /// <summary>
    /// Runs <paramref name="write"/> on a stream to a temporary file beside <paramref name="path"/>, then renames
    /// it over <paramref name="path"/>. If <paramref name="write"/> throws, the temporary file is deleted, the
    /// previous file (if any) is left untouched, and the exception propagates.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{path}' names no file inside a directory.", nameof(path));
        // Hidden, and named after the target, so a leftover from a power cut is recognisable (and ignored by
        // anything that globs *.csv).
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                       bufferSize: 64 * 1024))
            {
                write(stream);
                // Data on the disk before the rename, or a crash right after it can leave an empty file behind
                // the new name on filesystems that reorder metadata and data (ext4 without auto_da_alloc).
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>True for the temporary files <see cref="Write"/> creates (for tests and for cleaning up after a crash).</summary>
    public static bool IsTemporaryFile(string path)
    {
        string name = Path.GetFileName(path);
        return name.StartsWith('.') && name.EndsWith(".tmp", StringComparison.Ordinal);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original exception matters more than a temporary file we could not remove.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
