package org.vmcore4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.vmcore4j.core.CrashSignature;

/** The crash signature as {@code info} shows it and as the triage bundle's {@code signature.json} holds it. */
final class SignatureJson {
    private SignatureJson() {
    }

    static Map<String, Object> toJson(CrashSignature s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", CrashSignature.VERSION);
        m.put("hash", s.hash().orElse(null));
        m.put("crashingCpu", value(s.crashingCpu()));
        m.put("crashingPid", value(s.crashingPid()));
        m.put("cpuFromNotes", value(s.cpuFromNotes()));
        m.put("headline", s.headline().orElse(null));
        m.put("panicMessage", s.panicMessage().orElse(null));
        m.put("release", s.release().orElse(null));
        m.put("taint", s.taint().orElse(null));
        m.put("callTrace", s.callTrace());
        m.put("normalisedFrames", s.normalisedFrames());
        return m;
    }

    static void appendText(StringBuilder sb, CrashSignature s) {
        TriageReport.line(sb, "crash", s.headline().orElse("no crash report in the log"));
        s.crashingCpu().ifPresent(c -> TriageReport.line(sb, "crashed on", "CPU " + c
                + s.crashingPid().stream().mapToObj(p -> ", pid " + p).findFirst().orElse("")
                + (s.cpuFromNotes().isPresent() && s.cpuFromNotes().getAsInt() != c
                        ? " (but the CPU notes put that pid on CPU " + s.cpuFromNotes().getAsInt() + ")" : "")));
        s.taint().ifPresent(t -> TriageReport.line(sb, "taint", t.isEmpty() ? "not tainted" : t));
        s.hash().ifPresent(h -> TriageReport.line(sb, "signature", h + " (v" + CrashSignature.VERSION + ": "
                + String.join(" < ", s.normalisedFrames()) + ")"));
        if (!s.callTrace().isEmpty()) {
            TriageReport.line(sb, "call trace", s.callTrace().size() + " frames as printed");
            s.callTrace().forEach(f -> sb.append("  ").append(f).append('\n'));
        }
    }

    private static Object value(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : null;
    }

}
