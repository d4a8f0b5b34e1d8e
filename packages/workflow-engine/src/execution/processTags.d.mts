export declare const TAG_VARIABLE: 'SWITCHYARD_STEP_TAG';
export declare const TAGS_READABLE: boolean;
export declare function ownerOf(pid: number): string | undefined;
export declare function ownerAlive(tag: string): boolean;
export declare function listTagged(): Promise<{ pid: number; tag: string }[]>;
export declare function signalTagged(matches: (tag: string) => boolean, signal: NodeJS.Signals): Promise<number>;
