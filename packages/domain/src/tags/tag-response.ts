/** A tag as read from storage. */
export interface TagDetails {
  id: string;
  /** Monaco object type, e.g. "contacts". */
  objectType: string;
  name: string;
  color: string | null;
  createdAt: Date;
}

/** Monaco's TagResponse, plus the object type the tag applies to. */
export interface TagResponse {
  id: string;
  name: string;
  color: string | null;
  object: string;
}

export function toTagResponse(tag: TagDetails): TagResponse {
  return { id: tag.id, name: tag.name, color: tag.color, object: tag.objectType };
}
