using Gunicornet.Fuzz;

// The fuzz target of scripts/fuzz:
//   HttpGrammarFuzz instrument DLL       instruments the grammar's types in DLL for AFL (in place)
//   HttpGrammarFuzz                      under afl-fuzz: judges each input whole and split, as reads come
//   HttpGrammarFuzz seeds OUT CORPUS...  writes the corpora's requests (escaped .http files) as raw bytes
//   HttpGrammarFuzz bench                the CPU the grammar adds to a request (scripts/access-log-bench --grammar)
//   HttpGrammarFuzz differ DIR OUT [SOCKET]  judges every file of DIR with the grammar and with h11,
//                                        asks a running server about what they disagree on, writes OUT
return args switch
{
    ["instrument", var path] => Instrumenting.Run(path),
    ["differ", var folder, var output, .. var rest] => Differential.Run(folder, output, rest.FirstOrDefault()),
    ["seeds", var output, .. var corpora] => Seeds.Run(output, corpora),
    ["bench"] => Bench.Run(1_000_000),
    [] => Fuzzing.Run(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: HttpGrammarFuzz [instrument DLL | seeds OUT CORPUS... | differ DIR OUT [SOCKET] | bench]");
    return 2;
}
