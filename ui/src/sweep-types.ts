/** Min/max columns as `GET /api/experiments/current/sweeps/:sweep` sends them (SI). */
export interface MinMaxColumns {
  min: readonly (number | null)[];
  max: readonly (number | null)[];
}
