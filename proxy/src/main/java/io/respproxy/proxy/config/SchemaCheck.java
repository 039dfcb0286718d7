package io.respproxy.proxy.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Set;

/**
 * Finds settings that reference.conf does not define ("unknown setting"), at any depth, so a typo
 * such as {@code listn} fails loudly instead of leaving a default in place.
 *
 * <p>Where reference.conf has an object, the user's value must be an object too. Keys inside
 * {@code nat} are addresses of the user's choosing and are not checked; values whose schema is
 * null or a list (listen entries, users) are checked by the section parsers, which know their
 * shapes.
 */
final class SchemaCheck {
    private final Problems problems;
    private final Set<String> freeFormKeys;

    /** @param freeFormKeys keys whose object contents are not checked (e.g. {@code nat}) */
    SchemaCheck(Problems problems, Set<String> freeFormKeys) {
        this.problems = problems;
        this.freeFormKeys = freeFormKeys;
    }

    /**
     * Checks {@code actual} against {@code schema}, reporting under {@code path}; keys in
     * {@code skip} are left to the caller.
     */
    void check(ConfigObject actual, ConfigObject schema, String path, Set<String> skip) {
        for (String key : actual.keySet()) {
            if (skip.contains(key)) {
                continue;
            }
            String keyPath = path + "." + ConfigUtil.joinPath(key);
            ConfigValue value = actual.get(key);
            ConfigValue expected = schema.get(key);
            if (expected == null) {
                problems.add(keyPath, "unknown setting", ConfigReader.describe(value.origin()));
            } else if (expected.valueType() == ConfigValueType.OBJECT) {
                if (value.valueType() != ConfigValueType.OBJECT) {
                    if (value.valueType() != ConfigValueType.NULL || !freeFormKeys.contains(key)) {
                        problems.add(keyPath, "expected an object, got " + ConfigReader.show(value),
                                ConfigReader.describe(value.origin()));
                    }
                } else if (!freeFormKeys.contains(key)) {
                    check((ConfigObject) value, (ConfigObject) expected, keyPath, Set.of());
                }
            }
        }
    }
}
