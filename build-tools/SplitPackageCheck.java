import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Build rule: fails when one Java package has main sources in two modules (a split package, which
 * JPMS refuses and which lets one module reach another's package-private members).
 *
 * <p>Run by the parent pom (exec-maven-plugin, validate phase, root only) as a single-file source
 * program, so it needs nothing built first and runs on a clean clone:
 * {@code java build-tools/SplitPackageCheck.java ROOT}. A module is any directory under ROOT with a
 * pom.xml and a src/main/java folder, so a new module is checked without touching this file.
 * Exit status 0 when every package lives in one module, 1 (and the list) otherwise.

 */
public final class SplitPackageCheck {
    private SplitPackageCheck() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java SplitPackageCheck.java REACTOR_ROOT");
            System.exit(2);
        }
        Path root = Path.of(args[0]).toAbsolutePath().normalize();
        Map<String, TreeSet<String>> modulesByPackage = new TreeMap<>();
        List<Path> sourceRoots = new ArrayList<>();
        try (Stream<Path> poms = Files.walk(root, 4)) {
            poms.filter(p -> p.getFileName().toString().equals("pom.xml"))
                    .filter(p -> !isIgnored(root, p))
                    .map(p -> p.getParent().resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .forEach(sourceRoots::add);
        }
        for (Path sourceRoot : sourceRoots) {
            String module = root.relativize(sourceRoot.getParent().getParent().getParent()).toString();
            try (Stream<Path> files = Files.walk(sourceRoot)) {
                files.filter(f -> f.getFileName().toString().endsWith(".java"))
                        .filter(f -> !f.getFileName().toString().equals("module-info.java"))
                        .forEach(f -> {
                            Path dir = sourceRoot.relativize(f.getParent());
                            String pkg = dir.toString().replace(dir.getFileSystem().getSeparator(), ".");
                            modulesByPackage.computeIfAbsent(pkg.isEmpty() ? "(default package)" : pkg,
                                    k -> new TreeSet<>()).add(module.isEmpty() ? "." : module);
                        });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        List<String> split = new ArrayList<>();
        modulesByPackage.forEach((pkg, modules) -> {
            if (modules.size() > 1) {
                split.add("  package " + pkg + " is in the main sources of " + String.join(", ", modules));
            }
        });
        if (!split.isEmpty()) {
            System.err.println("Split packages: a package may have main sources in one module only"
                    + " (JPMS forbids a package in two modules). Move the classes, or use public API:");
            split.forEach(System.err::println);
            System.exit(1);
        }
        System.out.println("SplitPackageCheck: " + modulesByPackage.size() + " packages in "
                + sourceRoots.size() + " modules, none split");
    }

    /** Build outputs and version-control folders hold no module of the reactor. */
    private static boolean isIgnored(Path root, Path pom) {
        for (Path part : root.relativize(pom)) {
            String name = part.toString();
            if (name.equals("target") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
