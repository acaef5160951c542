package io.sluice.broker.layering;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker's packages form layers (network below api, api above the coordinators and replication,
 * ...): no package may depend on another that depends back on it, however indirectly. Dependencies
 * are read from the sources (imports and fully qualified names), so a cycle fails here before it
 * grows into a tangle.
 */
class PackageCyclesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final String ROOT = "io.sluice.broker";
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE);
    /** A reference to a type in the broker: lowercase segments, then a capitalised type name. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.sluice\\.broker(?:\\.[a-z_][\\w]*)*)\\.[A-Z]");

    @Test
    void brokerPackagesHaveNoCycles() {
        Map<String, Set<String>> dependencies = dependencies(SOURCES.resolve(ROOT.replace('.', '/')));
        assertThat(dependencies).as("broker packages found under %s", SOURCES.toAbsolutePath())
                .containsKeys(ROOT + ".network", ROOT + ".api", ROOT + ".replication");
        assertThat(cycles(dependencies)).as("package cycles (each line: packages that depend on each other)")
                .isEmpty();
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("network", Set.of("api"));
        graph.put("api", Set.of("replication", "log"));
        graph.put("replication", Set.of("network"));
        graph.put("log", Set.of());
        assertThat(cycles(graph)).containsExactly(List.of("api", "network", "replication"));
    }

    /** Package → the other broker packages its sources refer to. */
    static Map<String, Set<String>> dependencies(Path root) {
        Map<String, Set<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(source);
                if (!pkg.find()) {
                    continue;
                }
                Set<String> targets = out.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
                Matcher ref = REFERENCE.matcher(withoutComments(source));
                while (ref.find()) {
                    if (!ref.group(1).equals(pkg.group(1))) {
                        targets.add(ref.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Javadoc {@link}s to other packages are no dependency. */
    private static String withoutComments(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    }

    /** The strongly connected components with more than one package (Tarjan), each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Tarjan tarjan = new Tarjan(graph);
        graph.keySet().forEach(tarjan::visit);
        return tarjan.components;
    }

    private static final class Tarjan {
        final Map<String, Set<String>> graph;
        final Map<String, Integer> index = new HashMap<>();
        final Map<String, Integer> low = new HashMap<>();
        final Deque<String> stack = new ArrayDeque<>();
        final Set<String> onStack = new TreeSet<>();
        final List<List<String>> components = new ArrayList<>();

        Tarjan(Map<String, Set<String>> graph) {
            this.graph = graph;
        }

        void visit(String node) {
            if (index.containsKey(node)) {
                return;
            }
            index.put(node, index.size());
            low.put(node, index.get(node));
            stack.push(node);
            onStack.add(node);
            for (String next : graph.getOrDefault(node, Set.of())) {
                if (!index.containsKey(next)) {
                    visit(next);
                    low.put(node, Math.min(low.get(node), low.get(next)));
                } else if (onStack.contains(next)) {
                    low.put(node, Math.min(low.get(node), index.get(next)));
                }
            }
            if (low.get(node).equals(index.get(node))) {
                Set<String> component = new TreeSet<>();
                String member;
                do {
                    member = stack.pop();
                    onStack.remove(member);
                    component.add(member);
                } while (!member.equals(node));
                if (component.size() > 1) {
                    components.add(new ArrayList<>(component));
                }
            }
        }
    }
}
