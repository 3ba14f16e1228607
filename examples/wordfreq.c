/* The bundled example: counts the words of a short text, sorts them by
 * frequency with qsort and prints the top five. Built for wasm32-wasi. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *text =
    "the quick brown fox jumps over the lazy dog the dog sleeps and the fox runs "
    "a fox is quick and a dog is lazy so the fox wins the race over the dog";

typedef struct {
  char word[16];
  int count;
} entry;

static entry table[64];
static int entries;

static void count_word(const char *word, size_t len) {
  for (int i = 0; i < entries; i++) {
    if (strlen(table[i].word) == len && strncmp(table[i].word, word, len) == 0) {
      table[i].count++;
      return;
    }
  }
  if (entries == 64 || len >= sizeof table[0].word) return;
  memcpy(table[entries].word, word, len);
  table[entries].word[len] = '\0';
  table[entries++].count = 1;
}

static void split_words(const char *s) {
  while (*s) {
    while (*s && !isalpha((unsigned char)*s)) s++;
    const char *start = s;
    while (*s && isalpha((unsigned char)*s)) s++;
    if (s > start) count_word(start, (size_t)(s - start));
  }
}

static int by_count(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->count != y->count) return y->count - x->count;
  return strcmp(x->word, y->word);
}

int main(void) {
  split_words(text);
  qsort(table, (size_t)entries, sizeof table[0], by_count);
  for (int i = 0; i < 5 && i < entries; i++) printf("%-6s %d\n", table[i].word, table[i].count);
  return 0;
}
