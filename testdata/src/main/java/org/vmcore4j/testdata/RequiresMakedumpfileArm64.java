package org.vmcore4j.testdata;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test only where {@code VMCORE4J_MAKEDUMPFILE_ARM64} names the aarch64 reference
 * makedumpfile ({@code testdata/tools/build-makedumpfile-arm64.sh}: upstream b7587f1 under qemu-user).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Prerequisites.class)
public @interface RequiresMakedumpfileArm64 {
}
