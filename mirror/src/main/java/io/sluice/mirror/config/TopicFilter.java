package io.sluice.mirror.config;

import java.util.List;
import java.util.regex.Pattern;

/** MM2's include/exclude regex lists ({@code topics}/{@code topics.exclude}, {@code groups}/{@code groups.exclude}). */
public final class TopicFilter {
    private final Pattern include;
    private final Pattern exclude;

    public TopicFilter(List<String> include, List<String> exclude) {
        this.include = join(include);
        this.exclude = join(exclude);
    }

    private static Pattern join(List<String> regexes) {
        List<String> parts = regexes.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        return parts.isEmpty() ? null : Pattern.compile(String.join("|", parts));
    }

    public boolean matches(String name) {
        return include != null && include.matcher(name).matches()
                && (exclude == null || !exclude.matcher(name).matches());
    }
}
