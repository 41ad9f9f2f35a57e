package org.vmcore4j.kdump;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Writes a flattened stream ({@code makedumpfile -F}) of given bytes from the format, not with
 * vmcore4j's {@link FlattenedSink}: a 4096-byte header ({@code makedumpfile} signature, type 1,
 * version 1, big endian), records of offset and size (8 bytes each, big endian) and payload, then a
 * (-1, -1) end marker. The bytes are cut into records of random sizes written out of order, after a
 * record of wrong bytes over the middle that a later record overwrites (a replay writes records in
 * order, so the later one wins).
 */
final class FlattenedStreams {
    private FlattenedStreams() {
    }

    static byte[] flatten(byte[] content, long seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[4096];
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN);
        h.put("makedumpfile".getBytes(StandardCharsets.US_ASCII));
        h.putLong(16, 1); // TYPE_FLAT_HEADER
        h.putLong(24, 1); // VERSION_FLAT_HEADER
        out.writeBytes(header);
        Random r = new Random(seed);
        if (content.length > 16) {
            byte[] wrong = new byte[content.length / 2];
            r.nextBytes(wrong);
            record(out, content.length / 4, wrong, 0, wrong.length);
        }
        List<int[]> pieces = new ArrayList<>();
        for (int at = 0; at < content.length; ) {
            int n = Math.min(content.length - at, 1 + r.nextInt(6000));
            pieces.add(new int[] {at, n});
            at += n;
        }
        Collections.shuffle(pieces, r);
        for (int[] p : pieces) {
            record(out, p[0], content, p[0], p[1]);
        }
        out.writeBytes(ByteBuffer.allocate(16).putLong(-1).putLong(-1).array());
        return out.toByteArray();
    }

    private static void record(ByteArrayOutputStream out, long offset, byte[] b, int from, int len) {
        out.writeBytes(ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putLong(offset).putLong(len).array());
        out.write(b, from, len);
    }
}
