// Units and time constants shared by the core. Lengths in µm, forces in N, time in ms.

export const MS_PER_MINUTE = 60000;
export const MS_PER_HOUR = 3600000;
export const MS_PER_DAY = 86400000;
export const UM_PER_MM = 1000;
