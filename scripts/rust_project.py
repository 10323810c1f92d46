#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Add pcc's crate to the rust-project.json that `make M=... rust-analyzer`
wrote. The kernel's generator only takes a crate root whose own directory
has a Kbuild naming it; pcc's Kbuild is at the top and its root is
rust/pcc.rs. The entry mirrors what the generator makes for an external
crate: the kernel crate's cfg and env, and deps core, kernel, pin_init,
zerocopy, zerocopy_derive.

Usage: rust_project.py IN OUT CRATE_ROOT
"""
import json
import pathlib
import sys

if len(sys.argv) != 4:
    sys.exit(__doc__)
src, dst, root = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]).resolve()
project = json.load(open(src))
crates = project["crates"]
index = {c["display_name"]: i for i, c in enumerate(crates)}
kernel = crates[index["kernel"]]
if str(root) not in (c["root_module"] for c in crates):
    crates.append({
        "display_name": root.stem,
        "root_module": str(root),
        "is_workspace_member": True,
        "edition": kernel["edition"],
        "deps": [{"crate": index[n], "name": n}
                 for n in ("core", "kernel", "pin_init", "zerocopy", "zerocopy_derive") if n in index],
        "cfg": kernel["cfg"],
        "env": kernel["env"],
        "source": {"include_dirs": [str(root.parent)], "exclude_dirs": []},
    })
json.dump(project, open(dst, "w"), sort_keys=True, indent=4)
