/**
 * A small sentiment lexicon for children's stories (the TinyStories register): the built-in reward of
 * `aligndial experiment controlled`, in the spirit of the DPO paper's controlled-sentiment task, where a
 * classifier scores IMDb continuations. Words are matched whole and lower-cased; inflections are listed.
 */
export const POSITIVE_WORDS: readonly string[] = [
  'happy', 'happily', 'happier', 'happiest', 'happiness', 'glad', 'joy', 'joyful', 'love', 'loved', 'loves', 'loving', 'lovely',
  'fun', 'funny', 'smile', 'smiled', 'smiles', 'smiling', 'laugh', 'laughed', 'laughs', 'laughing', 'good', 'great', 'nice',
  'kind', 'kindly', 'best', 'better', 'beautiful', 'pretty', 'wonderful', 'amazing', 'awesome', 'excited', 'exciting', 'proud',
  'friend', 'friends', 'friendly', 'thank', 'thanked', 'thanks', 'safe', 'warm', 'cheerful', 'delighted', 'enjoy', 'enjoyed',
  'special', 'brave', 'hug', 'hugged', 'hugs', 'share', 'shared', 'sharing', 'helpful', 'helped', 'gentle', 'sweet', 'bright',
  'yummy', 'cozy', 'calm', 'peaceful', 'together', 'win', 'won', 'treasure', 'magic', 'magical', 'celebrate', 'favorite',
];

export const NEGATIVE_WORDS: readonly string[] = [
  'sad', 'sadly', 'sadness', 'unhappy', 'cry', 'cried', 'cries', 'crying', 'tears', 'angry', 'angrily', 'mad', 'upset',
  'scared', 'afraid', 'fear', 'frightened', 'terrible', 'horrible', 'awful', 'bad', 'worse', 'worst', 'hurt', 'hurts',
  'pain', 'sick', 'lonely', 'alone', 'lost', 'broke', 'broken', 'sorry', 'mean', 'hate', 'hated', 'hates', 'worried', 'worry',
  'scary', 'dark', 'danger', 'dangerous', 'fight', 'fought', 'yell', 'yelled', 'shout', 'shouted', 'mess', 'messy', 'dirty',
  'ugly', 'rude', 'naughty', 'bored', 'boring', 'grumpy', 'frown', 'frowned', 'stuck', 'fell', 'fall', 'trouble', 'wrong',
  'died', 'dead', 'monster', 'storm', 'punish', 'punished', 'selfish', 'jealous', 'ashamed', 'tired',
];

const POSITIVE = new Set(POSITIVE_WORDS);
const NEGATIVE = new Set(NEGATIVE_WORDS);

/** Counts of lexicon words in a text. */
export interface SentimentCounts {
  positive: number;
  negative: number;
}

/** Whole-word counts of positive and negative lexicon words (case-insensitive). */
export function sentimentCounts(text: string): SentimentCounts {
  let positive = 0;
  let negative = 0;
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    if (POSITIVE.has(word)) positive++;
    else if (NEGATIVE.has(word)) negative++;
  }
  return { positive, negative };
}

/** The built-in reward: positive minus negative lexicon words in the continuation. */
export function lexiconReward(text: string): number {
  const { positive, negative } = sentimentCounts(text);
  return positive - negative;
}
