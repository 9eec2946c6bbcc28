/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main() of a fuzz target outside a fuzzing build: runs the target once
 * on each file named, or on each file in each folder named, so that
 * `meson test` replays the seed corpus and every input that ever crashed
 * (tests/fuzz/corpus/<target>/) with gcc, under ASan and under valgrind.
 */
#include "fuzz.h"

#include <stdio.h>

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static guint
run_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &error))
    {
      fprintf (stderr, "fuzz-replay: %s\n", error->message);
      exit (2);
    }
  /* libFuzzer passes NULL for an empty input; so does this. */
  LLVMFuzzerTestOneInput (len > 0 ? (const uint8_t *) data : NULL, len);
  return 1;
}

int
main (int argc, char **argv)
{
  guint n = 0;

  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          GDir *dir = g_dir_open (argv[i], 0, NULL);
          g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;

          while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
            g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
          /* Closed before the inputs run: a target may count its fds. */
          g_clear_pointer (&dir, g_dir_close);
          /* In a stable order, so that a failure is reproducible. */
          g_ptr_array_sort (names, compare_paths);
          for (guint j = 0; j < names->len; j++)
            n += run_file (g_ptr_array_index (names, j));
        }
      else
        n += run_file (argv[i]);
    }
  printf ("fuzz-replay: %u inputs ran\n", n);
  return n > 0 ? 0 : 1;
}
