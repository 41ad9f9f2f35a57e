/*
 * The real liblzo2, for LzoInteropTest (built by the test with gcc; needs liblzo2-dev).
 *
 *   lzo-helper compress BLOCK IN OUT    IN: concatenated blocks of BLOCK bytes; each is compressed
 *                                       on its own with lzo1x_1_compress (makedumpfile -l);
 *                                       OUT: per block, u32 length (little-endian) + the bytes
 *   lzo-helper decompress BLOCK IN OUT  IN: records as above; each is decoded with
 *                                       lzo1x_decompress_safe into a buffer of exactly BLOCK bytes;
 *                                       OUT: per record, i32 status (LZO_E_*), u32 length decoded,
 *                                       then BLOCK bytes
 *   lzo-helper compress-records 0 IN OUT
 *                                       IN: per input, u32 length (little-endian) + the bytes, of any
 *                                       length; each is compressed on its own with lzo1x_1_compress;
 *                                       OUT: per input, u32 length + the compressed bytes
 */
#include <lzo/lzo1x.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put32(FILE *f, uint32_t v) {
    unsigned char b[4] = {v, v >> 8, v >> 16, v >> 24};
    fwrite(b, 1, 4, f);
}

/* Reads a little-endian u32; 0 at end of input. */
static int get32(FILE *f, uint32_t *v) {
    unsigned char h[4];
    if (fread(h, 1, 4, f) != 4)
        return 0;
    *v = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
    return 1;
}

/* Each length-prefixed input compressed on its own, whatever its length (compress-records). */
static int compress_records(FILE *in, FILE *out, unsigned char *wrkmem) {
    uint32_t len;
    while (get32(in, &len)) {
        size_t cap = (size_t)len + len / 16 + 64 + 3;
        unsigned char *src = malloc(len ? len : 1), *dst = malloc(cap);
        if (!src || !dst || fread(src, 1, len, in) != len) {
            fprintf(stderr, "truncated record\n");
            return 1;
        }
        lzo_uint n = cap;
        int r = lzo1x_1_compress(src, len, dst, &n, wrkmem);
        if (r != LZO_E_OK) {
            fprintf(stderr, "lzo1x_1_compress: %d\n", r);
            return 1;
        }
        put32(out, n);
        fwrite(dst, 1, n, out);
        free(src);
        free(dst);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s compress|decompress BLOCK IN OUT\n", argv[0]);
        return 2;
    }
    size_t block = strtoul(argv[2], NULL, 0);
    FILE *in = fopen(argv[3], "rb"), *out = fopen(argv[4], "wb");
    if (!in || !out) {
        perror("open");
        return 1;
    }
    if (lzo_init() != LZO_E_OK) {
        fprintf(stderr, "lzo_init failed\n");
        return 1;
    }
    size_t cap = block + block / 16 + 64 + 3;
    unsigned char *src = malloc(cap), *dst = malloc(cap);
    unsigned char *wrkmem = malloc(LZO1X_1_MEM_COMPRESS);
    if (!strcmp(argv[1], "compress-records")) {
        if (compress_records(in, out, wrkmem))
            return 1;
    } else if (!strcmp(argv[1], "compress")) {
        while (fread(src, 1, block, in) == block) {
            lzo_uint n = cap;
            int r = lzo1x_1_compress(src, block, dst, &n, wrkmem);
            if (r != LZO_E_OK) {
                fprintf(stderr, "lzo1x_1_compress: %d\n", r);
                return 1;
            }
            put32(out, n);
            fwrite(dst, 1, n, out);
        }
    } else if (!strcmp(argv[1], "decompress")) {
        unsigned char h[4];
        while (fread(h, 1, 4, in) == 4) {
            uint32_t len = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
            if (len > cap || fread(src, 1, len, in) != len) {
                fprintf(stderr, "truncated record\n");
                return 1;
            }
            memset(dst, 0, block);
            lzo_uint n = block;
            int r = lzo1x_decompress_safe(src, len, dst, &n, NULL);
            put32(out, (uint32_t)r);
            put32(out, n);
            fwrite(dst, 1, block, out);
        }
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    return fclose(out) == 0 ? 0 : 1;
}
