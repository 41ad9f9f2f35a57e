package org.vmcore4j.testdata;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test only where every x86_64 corpus dump has its kernel's debug vmlinux
 * ({@link Corpus#vmlinux}, made by {@code testdata/tools/prepare-vmlinux.sh DUMP_DIR}), which crash
 * and drgn need. With {@code VMCORE4J_REQUIRE_CORPUS=1} a missing one fails the test.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Prerequisites.class)
public @interface RequiresVmlinux {
}
