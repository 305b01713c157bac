/*
 * fuzz_ofl.c - libFuzzer target: the Open Fixture Library JSON importer
 * (cJSON) on arbitrary bytes; the checks are fuzz_import.h's.
 */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(import_ofl_buffer, "m/f.json", data, size);
}
