package org.vmcore4j.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The README's library example and the javadoc overview's are DumpSummary's code between its
 * {@code tag::readme[]} and {@code end::readme[]} lines, which this project compiles and ExamplesIT
 * runs: a change to one without the others fails here.
 */
class ReadmeExampleTest {

    @Test
    void readmeShowsDumpSummarysCode() throws IOException {
        String readme = Files.readString(path("vmcore4j.readme"), StandardCharsets.UTF_8);
        String block = "```java\n" + snippet() + "```\n";
        assertTrue(readme.contains(block), "README.md must hold DumpSummary's example as it is:\n" + block);
    }

    @Test
    void javadocOverviewShowsDumpSummarysCode() throws IOException {
        String overview = Files.readString(path("vmcore4j.overview"), StandardCharsets.UTF_8);
        String block = "<pre>\n" + snippet().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</pre>";
        assertTrue(overview.contains(block), "the javadoc overview must hold DumpSummary's example as it is:\n" + block);
    }

    /** The lines between the tags, less their common indentation, each ending in a newline. */
    static String snippet() throws IOException {
        Path source = path("examples.sources").resolve("org/vmcore4j/examples/DumpSummary.java");
        List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
        int start = indexOfTrimmed(lines, "// tag::readme[]");
        int end = indexOfTrimmed(lines, "// end::readme[]");
        assertTrue(start >= 0 && end > start + 1, source + " must mark its example with tag::readme[] ... end::readme[]");
        List<String> body = lines.subList(start + 1, end);
        int indent = body.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : body) {
            sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        assertFalse(sb.toString().isBlank());
        return sb.toString();
    }

    private static int indexOfTrimmed(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals(marker)) {
                return i;
            }
        }
        return -1;
    }

    private static Path path(String property) {
        String p = System.getProperty(property);
        assertTrue(p != null && !p.isEmpty(), "system property " + property + " is not set (the pom sets it)");
        return Path.of(p);
    }
}
