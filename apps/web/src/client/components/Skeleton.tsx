/** Grey placeholders in the shape of what is loading, so nothing jumps when it arrives. */
export function Skeleton({ width = '100%', height = 14 }: { width?: number | string; height?: number }) {
  return <span className="skeleton" style={{ width, height }} aria-hidden />;
}

export function BoardSkeleton() {
  return (
    <div className="board-skeleton" aria-busy="true" aria-label="Loading the board">
      {[0, 1, 2, 3].map((column) => (
        <div className="column skeleton-column" key={column}>
          <Skeleton width="40%" height={16} />
          {[0, 1, 2].slice(0, 3 - (column % 3)).map((card) => (
            <div className="card skeleton-card" key={card}>
              <Skeleton width="70%" />
              <Skeleton width="45%" height={12} />
              <Skeleton width="90%" height={12} />
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}
