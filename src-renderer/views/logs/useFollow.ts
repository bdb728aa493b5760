import { computed, nextTick, ref, watch, type Ref } from 'vue';

/**
 * Follow mode of the line list: new lines are scrolled to (`toEnd`) until the operator scrolls
 * up or searches; then the view holds still and the lines that arrived since are counted.
 */
export function useFollow(count: Ref<number>, toEnd: () => void) {
  const following = ref(true);
  /** `count` when follow mode paused: what lies beyond it is new. */
  const pausedAt = ref(0);
  const newLines = computed(() => (following.value ? 0 : Math.max(0, count.value - pausedAt.value)));

  watch(count, () => following.value && nextTick(toEnd));
  function setFollow(on: boolean) {
    following.value = on;
    if (on) nextTick(toEnd);
    else pausedAt.value = count.value;
  }
  /** The operator scrolled: at the bottom follows again, above it pauses. */
  function scrolled(atBottom: boolean) {
    if (atBottom && !following.value) following.value = true;
    else if (!atBottom && following.value) {
      following.value = false;
      pausedAt.value = count.value;
    }
  }
  /** Shown lines dropped from the front: the paused position moves with them. */
  function trimmed(dropped: number) {
    if (following.value === false) pausedAt.value = Math.max(0, pausedAt.value - dropped);
  }
  return { following, newLines, setFollow, scrolled, trimmed };
}
