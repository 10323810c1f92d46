// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's C wrappers, in the manner of upstream's rust/helpers/: kernel
 * functions that are static inline or macros cannot be called from Rust,
 * so each gets a one-line exported-to-Rust wrapper of the same name with a
 * pcc_ prefix (upstream's would be rust_helper_), one file per kernel
 * header, all built as this one object. Prototypes: rust/pcc_helpers.h;
 * Rust declarations: rust/ext/ffi.rs. No logic lives here, but for
 * pcc_filemap_map_pages_counted (mm.c), which must read a per-CPU counter
 * on one CPU around one call, and pcc_vmf_insert_folio_pmd (huge_mm.c),
 * which must read the PMD it maps at.
 */

#include "folio.c"
#include "huge_mm.c"
#include "fs.c"
#include "mm.c"
#include "pagemap.c"
#include "ratelimit.c"
#include "signal.c"
#include "uio.c"
