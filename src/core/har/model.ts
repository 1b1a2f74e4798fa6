/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the fields tapedeck reads and
 * writes. Browsers, Charles, Proxyman and mitmproxy add their own members (`_resourceType`,
 * `_webSocketMessages`, `_initiator`, …): the import schema lets them through and reads only a
 * few of them, to know what to skip.
 */
export interface HarNameValue {
  readonly name: string;
  readonly value: string;
}

export interface HarPostData {
  readonly mimeType: string;
  readonly text?: string;
  readonly params?: readonly { readonly name: string; readonly value?: string }[];
  /** Not in HAR 1.2: tapedeck's export marks a binary request body this way. */
  readonly _encoding?: string;
}

export interface HarRequest {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: readonly HarNameValue[];
  readonly queryString: readonly HarNameValue[];
  readonly cookies: readonly HarNameValue[];
  readonly headersSize: number;
  readonly bodySize: number;
  readonly postData?: HarPostData;
}

export interface HarContent {
  readonly size: number;
  readonly mimeType: string;
  readonly text?: string;
  readonly encoding?: string;
}

export interface HarResponse {
  readonly status: number;
  readonly statusText: string;
  readonly httpVersion: string;
  readonly headers: readonly HarNameValue[];
  readonly cookies: readonly HarNameValue[];
  readonly content: HarContent;
  readonly redirectURL: string;
  readonly headersSize: number;
  readonly bodySize: number;
}

/** What tapedeck's export adds to an entry so that an import gives back the same interaction. */
export interface HarTapedeckExtra {
  /** The cassette the interaction came from. */
  readonly cassette?: string;
  /** Its target, when that has a base path (`https://api.example.com/v1`): paths are below it. */
  readonly target?: string;
  /** `Interaction.recordedAt` as stored (startedDateTime + time would round it). */
  readonly recordedAt?: string;
  readonly replayable?: boolean;
}

export interface HarEntry {
  readonly startedDateTime: string;
  readonly time: number;
  readonly request: HarRequest;
  /** Required by HAR 1.2, missing in exports of requests that never got an answer. */
  readonly response?: HarResponse | null;
  readonly cache: Record<string, never>;
  readonly timings: {
    readonly send: number;
    readonly wait: number;
    readonly receive: number;
    readonly blocked?: number;
    readonly dns?: number;
    readonly connect?: number;
    readonly ssl?: number;
  };
  readonly _resourceType?: string;
  readonly _webSocketMessages?: readonly unknown[];
  readonly _tapedeck?: HarTapedeckExtra;
}

export interface HarLog {
  readonly log: {
    readonly version: string;
    readonly creator: { readonly name: string; readonly version: string };
    readonly pages?: readonly unknown[];
    readonly entries: readonly HarEntry[];
  };
}
