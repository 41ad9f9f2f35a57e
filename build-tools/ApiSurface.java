import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Counts the public API of reactor modules: public types and their public methods and constructors
 * in the packages a module exports, read from compiled classes with {@code javap -public}.
 *
 * <p>Usage, after {@code mvn -o -B -q -pl core,elf,kdump-format,filter -am compile}:
 * {@code java build-tools/ApiSurface.java [--list] core elf kdump-format filter}. A module's exported
 * packages are the unqualified {@code exports} of its {@code src/main/java/module-info.java}; without
 * one, every package is visible on the class path and counts. A nested type counts only if every
 * type enclosing it is public. Methods the compiler generates for enums and records
 * ({@code values}, accessors, {@code equals}) are counted: a caller sees them too. Synthetic and
 * bridge methods are not shown by javap and are not counted.
 */
public final class ApiSurface {
    private static final Pattern EXPORTS = Pattern.compile("^\\s*exports\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    // "  public abstract void read(long, byte[]) throws java.io.IOException;": parentheses, then ';'
    private static final Pattern METHOD_LINE = Pattern.compile("^\\s+[^(=]*\\(.*\\).*;\\s*$");
    private static final Pattern TYPE_LINE = Pattern.compile(
            "^public .*?(class|interface|enum|record|@interface) ([\\w.$]+)");

    private ApiSurface() {
    }

    public static void main(String[] args) throws IOException {
        boolean list = args.length > 0 && args[0].equals("--list");
        List<String> modules = new ArrayList<>(List.of(args).subList(list ? 1 : 0, args.length));
        if (modules.isEmpty()) {
            System.err.println("usage: java build-tools/ApiSurface.java [--list] MODULE_DIR...");
            System.exit(2);
        }
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        int totalTypes = 0;
        int totalMethods = 0;
        for (String module : modules) {
            Path classes = Path.of(module, "target", "classes");
            if (!Files.isDirectory(classes)) {
                System.err.println(classes + " missing: compile the module first");
                System.exit(2);
            }
            Set<String> exported = exportedPackages(Path.of(module, "src", "main", "java", "module-info.java"));
            TreeMap<String, Integer> methodsByType = new TreeMap<>();
            for (Path cls : classFiles(classes)) {
                String rel = classes.relativize(cls).toString().replace('\\', '/');
                String pkg = rel.contains("/") ? rel.substring(0, rel.lastIndexOf('/')).replace('/', '.') : "";
                if (rel.endsWith("module-info.class") || (exported != null && !exported.contains(pkg))) {
                    continue;
                }
                StringWriter out = new StringWriter();
                javap.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-public", cls.toString());
                String type = null;
                int methods = 0;
                for (String line : out.toString().split("\n")) {
                    Matcher m = TYPE_LINE.matcher(line);
                    if (type == null && m.find()) {
                        type = m.group(2);
                    } else if (type != null && METHOD_LINE.matcher(line).find()) {
                        methods++;
                    }
                }
                if (type != null) {
                    methodsByType.put(type, methods);
                }
            }
            // a public nested type of a non-public type is out of reach
            methodsByType.keySet().removeIf(t -> t.contains("$")
                    && !methodsByType.containsKey(t.substring(0, t.lastIndexOf('$'))));
            int methods = methodsByType.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf(Locale.ROOT, "%-14s %4d public types %5d public methods and constructors (%s)%n", module,
                    methodsByType.size(), methods, exported == null ? "no module-info: every package" : "exports " + exported);
            if (list) {
                methodsByType.forEach((t, n) -> System.out.printf(Locale.ROOT, "    %-70s %3d%n", t, n));
            }
            totalTypes += methodsByType.size();
            totalMethods += methods;
        }
        System.out.printf(Locale.ROOT, "%-14s %4d public types %5d public methods and constructors%n", "total", totalTypes,
                totalMethods);
    }

    /** The unqualified exports of a module-info, or null where the module has none (class path: all). */
    private static Set<String> exportedPackages(Path moduleInfo) throws IOException {
        if (!Files.isRegularFile(moduleInfo)) {
            return null;
        }
        String text = Files.readString(moduleInfo, StandardCharsets.UTF_8).replaceAll("(?s)/\\*.*?\\*/", "")
                .replaceAll("//[^\n]*", "");
        Set<String> out = new TreeSet<>();
        // "exports a.b to c.d;" is qualified: only the named siblings see it, so it is not API
        Matcher m = EXPORTS.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static List<Path> classFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".class")).sorted().toList();
        }
    }
}
