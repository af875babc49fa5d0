// The list kernels: per output channel a compressed list of input rows (Elsen et al.'s "Fast Sparse ConvNets"
// layout), applied to a tile of dense columns. Valued lists ("sparse") hold a weight per entry: one multiply-add
// per entry and vector. Sign lists ("signs", ternary layers ±c) hold the additions first, then the subtractions,
// and no weights: c is folded into the epilogue's scale. Specification: smk_reference_lists in reference_lists.c.
// Included by table_*.c after vector.h.

// Each output keeps `chains` independent accumulator sets (entry j of a run goes to set j mod chains) so that the
// latency of the additions does not bound throughput; the sets are summed at the end. The lists may be split into
// blocks of input rows (list b·outputChannels + o holds channel o's entries of row block b) so that one block of a
// tile's columns stays in L1 while every channel consumes it; between blocks a channel's running sums wait in
// `partial`. With one block the sums never leave registers. Either way each output is one float32 sum in a fixed
// order. `vectors` (the tile's 16-float vectors) and `chains` are constants at every call, so the loops unroll and
// the accumulators live in registers.
SMK_INLINE void SMK(lists_tile)(const float *columns, const int32_t *starts, const int32_t *splits,
                                const int32_t *rows, const float *values, int blocks, int blockBegin, int blockEnd,
                                int outputChannels, int firstOutput, int endOutput, float *partial,
                                const smk_epilogue *e, long first, int count, const int vectors, const int chains) {
    for (int b = blockBegin; b < blockEnd; b++) {
        for (int o = firstOutput; o < endOutput; o++) {
            const long list = (long)b * outputChannels + o;
            smk_v16 acc[8][4];
#pragma clang loop unroll(full)
            for (int u = 0; u < chains; u++)
#pragma clang loop unroll(full)
                for (int v = 0; v < vectors; v++) acc[u][v] = (smk_v16){0};
            int j = starts[list];
            const int end = starts[list + 1];
            const int split = splits ? splits[list] : end;
            for (; j + chains <= split; j += chains) {
#pragma clang loop unroll(full)
                for (int u = 0; u < chains; u++) {
                    const float *x = columns + rows[j + u];
                    if (splits) {
#pragma clang loop unroll(full)
                        for (int v = 0; v < vectors; v++) acc[u][v] += SMK(load)(x + 16 * v);
                    } else {
                        const float w = values[j + u];
#pragma clang loop unroll(full)
                        for (int v = 0; v < vectors; v++) acc[u][v] += w * SMK(load)(x + 16 * v);
                    }
                }
            }
            for (; j < split; j++) {
                const float *x = columns + rows[j];
                if (splits) {
#pragma clang loop unroll(full)
                    for (int v = 0; v < vectors; v++) acc[0][v] += SMK(load)(x + 16 * v);
                } else {
                    const float w = values[j];
#pragma clang loop unroll(full)
                    for (int v = 0; v < vectors; v++) acc[0][v] += w * SMK(load)(x + 16 * v);
                }
            }
            // Sign lists only: the subtractions (for valued lists split == end).
            for (; j + chains <= end; j += chains) {
#pragma clang loop unroll(full)
                for (int u = 0; u < chains; u++) {
                    const float *x = columns + rows[j + u];
#pragma clang loop unroll(full)
                    for (int v = 0; v < vectors; v++) acc[u][v] -= SMK(load)(x + 16 * v);
                }
            }
            for (; j < end; j++) {
                const float *x = columns + rows[j];
#pragma clang loop unroll(full)
                for (int v = 0; v < vectors; v++) acc[0][v] -= SMK(load)(x + 16 * v);
            }
            float *saved = partial + (long)o * 16 * vectors;
#pragma clang loop unroll(full)
            for (int v = 0; v < vectors; v++) {
                smk_v16 sum = acc[0][v];
#pragma clang loop unroll(full)
                for (int u = 1; u < chains; u++) sum += acc[u][v];
                smk_v16 *slot = (smk_v16 *)(saved + 16 * v);
                if (b > 0) sum += *slot;
                if (b == blocks - 1) {
                    SMK(finish)(sum, o, v, e, first, count);
                } else {
                    *slot = sum;
                }
            }
        }
    }
}

// One output position (a fully connected layer, or a last tile holding a single position): a vector kernel would
// load 16 columns per entry to use one, so this sums scalars instead, in SMK_SINGLE_POSITION_CHAINS chains. The
// running sum of blocked lists waits in partial[16·o].
static void SMK(lists_single)(const float *columns, const int32_t *starts, const int32_t *splits,
                              const int32_t *rows, const float *values, int blocks, int blockBegin, int blockEnd,
                              int outputChannels, int firstOutput, int endOutput, float *partial,
                              const smk_epilogue *e, long first) {
    enum { chains = SMK_SINGLE_POSITION_CHAINS };
    for (int b = blockBegin; b < blockEnd; b++) {
        for (int o = firstOutput; o < endOutput; o++) {
            const long list = (long)b * outputChannels + o;
            int j = starts[list];
            const int end = starts[list + 1];
            float acc[chains] = {0};
            if (splits) {
                const int split = splits[list];
                for (; j + chains <= split; j += chains)
                    for (int u = 0; u < chains; u++) acc[u] += columns[rows[j + u]];
                for (; j < split; j++) acc[0] += columns[rows[j]];
                for (; j + chains <= end; j += chains)
                    for (int u = 0; u < chains; u++) acc[u] -= columns[rows[j + u]];
                for (; j < end; j++) acc[0] -= columns[rows[j]];
            } else {
                for (; j + chains <= end; j += chains)
                    for (int u = 0; u < chains; u++) acc[u] += values[j + u] * columns[rows[j + u]];
                for (; j < end; j++) acc[0] += values[j] * columns[rows[j]];
            }
            float sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
            if (b > 0) sum += partial[16 * (long)o];
            if (b < blocks - 1) {
                partial[16 * (long)o] = sum;
                continue;
            }
            const long index = (long)o * e->plane + first;
            float y = sum * e->scale[o] + e->bias[o];
            if (e->residual) y += e->residual[index];
            if (e->relu && !(y > 0)) y = 0;
            e->output[index] = y;
        }
    }
}

// One function per (kind, tile, vectors computed), each with the table's chain count for the tile as a constant.
// A tile's last part may hold fewer positions than the tile (196 positions are three tiles of 64 and 4 more): it is
// computed on only the vectors that hold positions, with the tile's chains (the padding of the lists is a multiple
// of them), so its sums are the ones the full kernel would have made.
#define SMK_LIST_VARIANT(KIND, SIGNS, TILE, VECTORS)                                                                  \
    static void SMK(KIND##_##TILE##_##VECTORS)(const float *columns, const int32_t *starts, const int32_t *splits,    \
                                               const int32_t *rows, const float *values, int blocks, int blockBegin, \
                                               int blockEnd, int outputChannels, int firstOutput, int endOutput,     \
                                               float *partial, const smk_epilogue *e, long first, int count) {       \
        SMK(lists_tile)(columns, starts, SIGNS ? splits : 0, rows, values, blocks, blockBegin, blockEnd,             \
                        outputChannels, firstOutput, endOutput, partial, e, first, count, VECTORS,                   \
                        smk_accumulator_chains(SMK_TABLE, TILE));                                                     \
    }
#define SMK_LIST_KIND(KIND, SIGNS)                                                                                    \
    SMK_LIST_VARIANT(KIND, SIGNS, 16, 1)                                                                              \
    SMK_LIST_VARIANT(KIND, SIGNS, 32, 1) SMK_LIST_VARIANT(KIND, SIGNS, 32, 2)                                         \
    SMK_LIST_VARIANT(KIND, SIGNS, 64, 1) SMK_LIST_VARIANT(KIND, SIGNS, 64, 2)                                         \
    SMK_LIST_VARIANT(KIND, SIGNS, 64, 3) SMK_LIST_VARIANT(KIND, SIGNS, 64, 4)

SMK_LIST_KIND(signs, 1)
SMK_LIST_KIND(sparse, 0)

typedef void (*SMK(list_kernel))(const float *, const int32_t *, const int32_t *, const int32_t *, const float *, int,
                                 int, int, int, int, int, float *, const smk_epilogue *, long, int);

void SMK(lists)(const float *columns, int tile, const int32_t *starts, const int32_t *splits, const int32_t *rows,
                const float *values, int blocks, int blockBegin, int blockEnd, int outputChannels, int firstOutput,
                int endOutput, float *partial, const smk_epilogue *e, long first, int count) {
    if (count == 1) {
        SMK(lists_single)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels,
                          firstOutput, endOutput, partial, e, first);
        return;
    }
    // Indexed by the vectors that hold positions, 1 ... tile / 16.
    static const SMK(list_kernel) signs16[] = {SMK(signs_16_1)};
    static const SMK(list_kernel) signs32[] = {SMK(signs_32_1), SMK(signs_32_2)};
    static const SMK(list_kernel) signs64[] = {SMK(signs_64_1), SMK(signs_64_2), SMK(signs_64_3), SMK(signs_64_4)};
    static const SMK(list_kernel) sparse16[] = {SMK(sparse_16_1)};
    static const SMK(list_kernel) sparse32[] = {SMK(sparse_32_1), SMK(sparse_32_2)};
    static const SMK(list_kernel) sparse64[] = {SMK(sparse_64_1), SMK(sparse_64_2), SMK(sparse_64_3), SMK(sparse_64_4)};
    const int full = tile / 16, used = (count + 15) / 16;
    const int vectors = used < full ? used : full;
    const SMK(list_kernel) *kernels = tile == 16 ? (splits ? signs16 : sparse16)
                                    : tile == 32 ? (splits ? signs32 : sparse32)
                                                 : (splits ? signs64 : sparse64);
    kernels[vectors - 1](columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels,
                         firstOutput, endOutput, partial, e, first, count);
}
