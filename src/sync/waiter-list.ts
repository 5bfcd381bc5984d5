/**
 * Removes `item` from `list` if it is there; true when it was. Waiter lists
 * are short and the waiter removed is nearly always at the front, so a
 * linear search is cheaper here than any indexed structure.
 */
export function removeWaiter<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
