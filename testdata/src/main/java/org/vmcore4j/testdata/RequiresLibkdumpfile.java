package org.vmcore4j.testdata;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs the test only where {@code import kdumpfile} works in {@link Corpus#systemPython()} (Debian's python3-libkdumpfile). */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Prerequisites.class)
public @interface RequiresLibkdumpfile {
}
