/*
 * Per-page native baseline for CodecBenchmark: compresses every page of a sample file (concatenated
 * pages, as PageSample --out writes it) as an independent stream with the C libraries, at
 * makedumpfile 1.7.9's settings, then decompresses the pages that shrank, one core, and prints
 *   codec  pages  bytes_in  bytes_stored  ratio  raw_pages  compress_MBps  decompress_MBps
 * MB = 10^6 bytes of uncompressed data; decompression counts the pages stored compressed only, as
 * CodecBenchmark does. Each figure is the best of REPS timed runs of at least MIN_SECONDS each.
 *
 *   zlib    compress2(..., Z_BEST_SPEED) / uncompress()          (makedumpfile -c)
 *   lzo     lzo1x_1_compress / lzo1x_decompress_safe             (makedumpfile -l)
 *   snappy  snappy_compress / snappy_uncompress (snappy-c API)   (makedumpfile -p)
 *   zstd    ZSTD_compressCCtx(..., 1) / ZSTD_decompressDCtx      (makedumpfile -z)
 *   lz4     LZ4_compress_default / LZ4_decompress_safe           (vmcore4j's extension, no makedumpfile flag)
 *   zlib-reuse  deflateReset/inflateReset on one z_stream per page: the same bytes as zlib, without
 *           compress2()'s allocation and initialisation of a new deflate state for every page
 *           (what java.util.zip.Deflater.reset() amounts to)
 *
 * Build: gcc -O2 -o codec-native codec-native.c -lz -llzo2 -lsnappy -lzstd -llz4
 *        (without liblz4-dev: -DNO_LZ4 and no -llz4; the lz4 row is left out)
 * Run:   codec-native SAMPLE [PAGE_SIZE [MIN_SECONDS [REPS]]]
 */
#ifndef NO_LZ4
#include <lz4.h>
#endif
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

enum { ZLIB, LZO, SNAPPY, ZSTD, LZ4, ZLIB_REUSE, NCODECS };
static const char *NAMES[] = {"zlib", "lzo", "snappy", "zstd", "lz4", "zlib-reuse"};

static size_t page_size;
static unsigned char *wrkmem;
static ZSTD_CCtx *cctx;
static ZSTD_DCtx *dctx;
static z_stream zc, zd;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static size_t bound(int c) {
    switch (c) {
    case ZLIB:
    case ZLIB_REUSE: return compressBound(page_size);
    case LZO: return page_size + page_size / 16 + 64 + 3;
    case SNAPPY: return snappy_max_compressed_length(page_size);
    case ZSTD: return ZSTD_compressBound(page_size);
#ifndef NO_LZ4
    default: return LZ4_compressBound(page_size);
#else
    default: return 0;
#endif
    }
}

/* Returns the compressed length, or 0 on failure. */
static size_t compress_page(int c, const unsigned char *in, unsigned char *out, size_t cap) {
    switch (c) {
    case ZLIB: {
        uLongf n = cap;
        return compress2(out, &n, in, page_size, Z_BEST_SPEED) == Z_OK ? n : 0;
    }
    case LZO: {
        lzo_uint n = cap;
        return lzo1x_1_compress(in, page_size, out, &n, wrkmem) == LZO_E_OK ? n : 0;
    }
    case SNAPPY: {
        size_t n = cap;
        return snappy_compress((const char *)in, page_size, (char *)out, &n) == SNAPPY_OK ? n : 0;
    }
    case ZSTD: {
        size_t n = ZSTD_compressCCtx(cctx, out, cap, in, page_size, 1);
        return ZSTD_isError(n) ? 0 : n;
    }
    case ZLIB_REUSE: { /* one deflate state reset per page, as java.util.zip.Deflater.reset() does */
        deflateReset(&zc);
        zc.next_in = (unsigned char *)in;
        zc.avail_in = page_size;
        zc.next_out = out;
        zc.avail_out = cap;
        return deflate(&zc, Z_FINISH) == Z_STREAM_END ? cap - zc.avail_out : 0;
    }
    default: {
#ifndef NO_LZ4
        int n = LZ4_compress_default((const char *)in, (char *)out, page_size, cap);
        return n > 0 ? (size_t)n : 0;
#else
        return 0;
#endif
    }
    }
}

/* Returns 1 if exactly one page came out. */
static int decompress_page(int c, const unsigned char *in, size_t len, unsigned char *out) {
    switch (c) {
    case ZLIB: {
        uLongf n = page_size;
        return uncompress(out, &n, in, len) == Z_OK && n == page_size;
    }
    case LZO: {
        lzo_uint n = page_size;
        return lzo1x_decompress_safe(in, len, out, &n, NULL) == LZO_E_OK && n == page_size;
    }
    case SNAPPY: {
        size_t n = page_size;
        return snappy_uncompress((const char *)in, len, (char *)out, &n) == SNAPPY_OK && n == page_size;
    }
    case ZSTD: {
        size_t n = ZSTD_decompressDCtx(dctx, out, page_size, in, len);
        return !ZSTD_isError(n) && n == page_size;
    }
    case ZLIB_REUSE:
        inflateReset(&zd);
        zd.next_in = (unsigned char *)in;
        zd.avail_in = len;
        zd.next_out = out;
        zd.avail_out = page_size;
        return inflate(&zd, Z_FINISH) == Z_STREAM_END && zd.avail_out == 0;
    default:
#ifndef NO_LZ4
        return LZ4_decompress_safe((const char *)in, (char *)out, len, page_size) == (int)page_size;
#else
        return 0;
#endif
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SAMPLE [PAGE_SIZE [MIN_SECONDS [REPS]]]\n", argv[0]);
        return 2;
    }
    page_size = argc > 2 ? strtoul(argv[2], NULL, 0) : 4096;
    double min_seconds = argc > 3 ? atof(argv[3]) : 1.0;
    int reps = argc > 4 ? atoi(argv[4]) : 3;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    size_t size = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t pages = size / page_size;
    unsigned char *sample = malloc(size);
    if (!sample || fread(sample, 1, size, f) != size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    if (lzo_init() != LZO_E_OK) {
        fprintf(stderr, "lzo_init failed\n");
        return 1;
    }
    wrkmem = malloc(LZO1X_1_MEM_COMPRESS);
    cctx = ZSTD_createCCtx();
    dctx = ZSTD_createDCtx();
    if (deflateInit(&zc, Z_BEST_SPEED) != Z_OK || inflateInit(&zd) != Z_OK) {
        fprintf(stderr, "zlib init failed\n");
        return 1;
    }
    unsigned char *page = malloc(page_size);
    printf("codec\tpages\tbytes_in\tbytes_stored\tratio\traw_pages\tcompress_MBps\tdecompress_MBps\n");
    for (int c = 0; c < NCODECS; c++) {
#ifdef NO_LZ4
        if (c == LZ4) continue;
#endif
        size_t cap = bound(c);
        unsigned char *out = malloc(cap);
        unsigned char *stored = malloc(pages * page_size);
        size_t *off = malloc(pages * sizeof(size_t)), *len = malloc(pages * sizeof(size_t));
        size_t at = 0, n = 0, raw = 0;
        for (size_t i = 0; i < pages; i++) {
            size_t l = compress_page(c, sample + i * page_size, out, cap);
            if (l == 0) {
                fprintf(stderr, "%s: compression of page %zu failed\n", NAMES[c], i);
                return 1;
            }
            if (l >= page_size) { /* makedumpfile stores such a page raw */
                raw++;
                continue;
            }
            memcpy(stored + at, out, l);
            off[n] = at;
            len[n] = l;
            if (!decompress_page(c, stored + at, l, page) || memcmp(page, sample + i * page_size, page_size)) {
                fprintf(stderr, "%s: page %zu does not round-trip\n", NAMES[c], i);
                return 1;
            }
            at += l;
            n++;
        }
        double best_c = 0, best_d = 0;
        volatile size_t sink = 0;
        for (int r = 0; r < reps; r++) {
            double t0 = now(), t;
            long passes = 0;
            do {
                for (size_t i = 0; i < pages; i++) {
                    sink += compress_page(c, sample + i * page_size, out, cap);
                }
                passes++;
            } while ((t = now() - t0) < min_seconds);
            double mbps = passes * (double)size / t / 1e6;
            if (mbps > best_c) best_c = mbps;
            t0 = now();
            passes = 0;
            do {
                for (size_t i = 0; i < n; i++) {
                    sink += decompress_page(c, stored + off[i], len[i], page);
                }
                passes++;
            } while ((t = now() - t0) < min_seconds);
            mbps = passes * (double)(n * page_size) / t / 1e6;
            if (mbps > best_d) best_d = mbps;
        }
        size_t bytes_stored = at + raw * page_size;
        printf("%s\t%zu\t%zu\t%zu\t%.3f\t%zu\t%.1f\t%.1f\n", NAMES[c], pages, pages * page_size, bytes_stored,
               (double)(pages * page_size) / bytes_stored, raw, best_c, best_d);
        fflush(stdout);
        free(out);
        free(stored);
        free(off);
        free(len);
    }
    return 0;
}
