namespace NetPerf.Reporting.Tests;

public sealed class AtomicFileTests
{
    [Fact]
    public void A_written_file_has_the_whole_content_and_no_temporary_file_is_left_beside_it()
    {
        using var dir = new TempDirectory();
        string path = dir.File("summary.csv");

        AtomicFile.WriteAllText(path, "a,b\n1,2\n");
        AtomicFile.WriteAllBytes(dir.File("plot.png"), [0x89, 0x50, 0x4E, 0x47]);
        AtomicFile.WriteAllText(path, "a,b\n3,4\n"); // over an existing file

        Assert.Equal("a,b\n3,4\n", File.ReadAllText(path));
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], File.ReadAllBytes(dir.File("plot.png")));
        Assert.Equal(["plot.png", "summary.csv"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_write_that_fails_half_way_leaves_the_previous_file_intact_and_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("summary.csv");
        AtomicFile.WriteAllText(path, "previous\n");

        var failure = Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteText(path, writer =>
        {
            writer.Write(new string('x', 200_000)); // past the buffers: bytes really reach the temporary file
            writer.Flush();
            throw new InvalidOperationException("killed while writing");
        }));

        Assert.Equal("killed while writing", failure.Message);
        Assert.Equal("previous\n", File.ReadAllText(path));
        Assert.Equal(["summary.csv"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Text_is_UTF8_without_a_byte_order_mark()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.txt");

        AtomicFile.WriteAllText(path, "µs");

        Assert.Equal([0xC2, 0xB5, (byte)'s'], File.ReadAllBytes(path));
    }
}
