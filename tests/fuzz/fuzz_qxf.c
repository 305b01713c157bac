/*
 * fuzz_qxf.c - libFuzzer target: the QLC+ .qxf importer (expat) on
 * arbitrary bytes; the checks are fuzz_import.h's.
 */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(import_qxf_buffer, "f.qxf", data, size);
}
