/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every fuzz target defines. With -Dfuzzing=true (clang) they are
 * libFuzzer programs; otherwise fuzz-replay.c gives them a main() that
 * runs them over files, which is how `meson test` replays the corpus.
 */
#pragma once

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, for parsers that take C strings. */
static inline char *
fuzz_strndup (const uint8_t *data, size_t size)
{
  char *s = g_malloc (size + 1);

  if (size > 0)
    memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

/* What the targets log: messages and debug output are dropped (cnetd logs
 * every lease); a warning or a critical is a bug, and aborts, so that
 * libFuzzer records the input. */
static inline GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                 gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (level, fields, n_fields, user_data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

static inline void
fuzz_log_quietly (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

G_END_DECLS
