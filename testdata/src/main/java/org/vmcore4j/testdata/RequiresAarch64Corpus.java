package org.vmcore4j.testdata;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test only where the corpus holds its two aarch64 dumps (the 52-bit one and the 48-bit
 * {@code arm64.nolva} one, {@link Corpus#aarch64Dumps()}). Combined with {@link RequiresVmlinux} it
 * asks for their debug vmlinux instead of the x86_64 dumps'. With {@code VMCORE4J_REQUIRE_CORPUS=1}
 * a missing dump fails the test.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Prerequisites.class)
public @interface RequiresAarch64Corpus {
}
