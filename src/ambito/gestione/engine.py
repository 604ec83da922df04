"""Pure arithmetic of the riparto (no Django): see the riparto issue."""
