use super::Words;

pub const WORDS: Words = Words {
    title_link_invalid: "Este link de acesso não é válido",
    title_server_trouble: "O servidor de reuniões não está respondendo corretamente",
    title_not_configured: "Este serviço não está configurado",
    title_not_found: "Não encontrado",
    title_could_not_join: "Não foi possível entrar na reunião",
    title_left: "Você saiu da reunião",
    title_other: "Algo deu errado",
    next_link_invalid:
        "Volte ao seu curso ou portal e abra o link da reunião novamente: ele gera um novo link de acesso.",
    next_server_trouble:
        "Aguarde um minuto e abra o link da reunião novamente. Se continuar acontecendo, avise a equipe de suporte.",
    next_not_configured: "Isto é para quem administra este serviço: avise a equipe de suporte.",
    next_not_found: "Confira o endereço ou abra a reunião pelo seu curso ou portal.",
    next_could_not_join: "Volte ao seu curso ou portal e abra o link de acesso novamente.",
    next_other: "Tente novamente em instantes. Se continuar acontecendo, avise a equipe de suporte.",
    left_body: "Você pode fechar esta janela.",
    details: "Detalhes",
    error_code: "Código do erro",
    reason_for_support: "Motivo (para o suporte)",
    server_said: "O servidor de reuniões informou",
    back: "Voltar",
    refused_ended: "Esta reunião foi encerrada.",
    refused_full: "A reunião está lotada.",
    refused_guest_denied: "Um moderador não permitiu a sua entrada.",
    refused_unknown_meeting: "Esta reunião não está mais em andamento.",
    refused_earlier_instance: "Seu link de acesso pertencia a uma sessão anterior desta reunião.",
    refused_checksum:
        "O servidor de reuniões não conseguiu verificar o link de acesso (um problema de configuração deste serviço).",
    refused_bad_join_url: "O servidor de reuniões não conseguiu usar o link de acesso.",
    refused_other: "O servidor de reuniões não pôde deixar você entrar.",
};
